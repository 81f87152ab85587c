// The app's checks from outside its container: the map page answers, and flights move (the web
// API gives newer positions for the same flights some seconds apart).

import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const requestTimeoutMs = 10_000;
/** Flights whose positions are compared in one round. */
const flightsCheckedMax = 12;

/** Resolves once GET url answers 200 with an HTML page; throws after timeoutMs. */
export async function mapAnswers(url: string, options: { timeoutMs: number }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(requestTimeoutMs) });
      const body = await response.text();
      if (response.ok && /<html/i.test(body)) return;
      last = `${response.status}: ${body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(2000);
  }
  throw new Error(`the map at ${url} did not answer within ${options.timeoutMs / 1000} s (last: ${last})`);
}

interface Plane { flightNumber: string; date: string; altitudeFt: number }

/** The planes of the first snapshot the map's WebSocket pushes. */
function snapshotPlanes(url: string): Promise<Plane[]> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}ws`);
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('no snapshot from the map\'s WebSocket within 20 s'));
    }, 20_000);
    socket.on('message', (data: Buffer) => {
      clearTimeout(timer);
      socket.close();
      const snapshot = JSON.parse(data.toString()) as { planes?: Plane[] };
      resolve(snapshot.planes ?? []);
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Each flight's latest position through GET /api/flights/:number/:date ("lat,lon@time"). */
async function positions(url: string, planes: readonly Plane[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await Promise.all(planes.map(async (plane) => {
    const response = await fetch(new URL(`api/flights/${encodeURIComponent(plane.flightNumber)}/${plane.date}`, url), { signal: AbortSignal.timeout(requestTimeoutMs) });
    if (!response.ok) return;
    const body = (await response.json()) as { latest?: { latitude: number; longitude: number; recordedAtMs: number } | null };
    if (body.latest != null) found.set(plane.flightNumber, `${body.latest.latitude},${body.latest.longitude}`);
  }));
  return found;
}

/**
 * Flight numbers whose position changed between two reads of the API gapMs apart, once some
 * airborne flight moved; throws when none did within timeoutMs.
 */
export async function flightsMove(url: string, options: { timeoutMs: number; gapMs: number }): Promise<string[]> {
  const deadline = Date.now() + options.timeoutMs;
  let last = 'no snapshot yet';
  while (Date.now() < deadline) {
    try {
      const airborne = (await snapshotPlanes(url)).filter((plane) => plane.altitudeFt > 0).slice(0, flightsCheckedMax);
      if (airborne.length === 0) {
        last = 'no flight in the air';
      } else {
        const before = await positions(url, airborne);
        await sleep(options.gapMs);
        const after = await positions(url, airborne);
        const moved = [...before].filter(([flight, position]) => after.has(flight) && after.get(flight) !== position).map(([flight]) => flight);
        if (moved.length > 0) return moved;
        last = `${airborne.length} flights in the air, ${before.size} with positions, none moved in ${options.gapMs / 1000} s`;
      }
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(2000);
  }
  throw new Error(`no flight moved within ${options.timeoutMs / 1000} s (last: ${last})`);
}
