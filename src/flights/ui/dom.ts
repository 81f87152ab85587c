// Tiny DOM helpers: elements are built with text nodes, never from HTML strings with data in
// them, so airport names and server messages cannot inject markup.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`page is missing #${id}`);
  return element as T;
}

export const timeUtc = (ms: number | null | undefined) => (ms === null || ms === undefined || Number.isNaN(ms) ? '—' : new Date(ms).toISOString().slice(11, 16));
export const dateTimeUtc = (ms: number | null | undefined) => (ms === null || ms === undefined || Number.isNaN(ms) ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`);

export const statusLabel = (status: string | null) => (status === null ? 'unknown' : status.replace('_', ' '));

export function statusBadge(status: string | null): HTMLElement {
  return h('span', { class: `status status-${status ?? 'unknown'}`, 'data-status': status ?? '' }, statusLabel(status));
}
