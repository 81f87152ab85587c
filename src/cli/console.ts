// Where the CLI writes. Injected so that tests can capture output.

export interface CliConsole {
  out(text: string): void;
  err(text: string): void;
}

export const processConsole: CliConsole = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** What every subcommand receives from main. */
export interface CommandContext {
  io: CliConsole;
  setExitCode(code: number): void;
}
