// The cluster tab: the token ring drawn as arcs, one colour per node, each node's gossip state,
// load and hint/read-repair figures, polled every pollMs; where the selected flight's status
// and tracking live and at which consistency; and, for the administrator only, buttons that
// kill and start nodes. The tab appears only when the server has a cluster to show (the app
// started by `aero start`); elsewhere /api/cluster answers 404 and nothing of it is shown.
// The administrator's token comes from the link `aero start` prints (#admin=TOKEN), kept in
// sessionStorage and removed from the address bar at once.

import type { ClusterNodeView, ClusterView, FlightPlacementView, PartitionPlacement } from '../web/cluster-contract.js';
import { byId, h } from './dom.js';

const pollMs = 1_500;
const tokenStorageKey = 'aero.adminToken';
const colours = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d', '#6741d9', '#495057'];
const ringMin = -(2n ** 63n);
const ringSpan = 2n ** 64n;
const svgNamespace = 'http://www.w3.org/2000/svg';

class HttpError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T | null> {
  const response = await fetch(path, init);
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null) as { error?: string } | null;
  if (!response.ok) throw new HttpError(body?.error ?? response.statusText, response.status);
  return body as T;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '?';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(2)} ${units[unit]}`;
}

/** The fraction of the way round the ring (0..1) of a token, from the minimum token at 12 o'clock. */
function ringFraction(token: string): number {
  return Number(((BigInt(token) - ringMin) * 1_000_000n) / ringSpan) / 1_000_000;
}

function svg(tag: string, attributes: Record<string, string | number>): SVGElement {
  const element = document.createElementNS(svgNamespace, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function point(fraction: number, radius: number): [number, number] {
  const angle = fraction * 2 * Math.PI - Math.PI / 2;
  return [110 + radius * Math.cos(angle), 110 + radius * Math.sin(angle)];
}

/** The ring: each range (previous token, token] drawn in its owner's colour, faded when the owner is down. */
function drawRing(view: ClusterView, placement: FlightPlacementView | null): SVGElement {
  const root = svg('svg', { viewBox: '0 0 220 220', width: 220, height: 220, role: 'img', 'aria-label': 'token ring' });
  const owners = view.nodes.flatMap((node, index) => node.tokens.map((token) => ({ token, node, index }))).sort((a, b) => ringFraction(a.token) - ringFraction(b.token));
  root.append(svg('circle', { cx: 110, cy: 110, r: 80, fill: 'none', stroke: '#dde3ea', 'stroke-width': 18 }));
  owners.forEach((owner, i) => {
    const start = i === 0 ? ringFraction(owners[owners.length - 1]?.token ?? owner.token) - 1 : ringFraction(owners[i - 1]?.token ?? owner.token);
    const end = ringFraction(owner.token);
    const [x1, y1] = point(start, 80);
    const [x2, y2] = point(end, 80);
    const large = end - start > 0.5 ? 1 : 0;
    const down = owner.node.status !== 'UP';
    root.append(svg('path', {
      d: `M ${x1.toFixed(2)} ${y1.toFixed(2)} A 80 80 0 ${large} 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`, fill: 'none', stroke: colours[owner.index % colours.length] ?? '#999',
      'stroke-width': 18, opacity: down ? 0.25 : 0.9, 'data-node': owner.node.name, class: 'ring-range',
    }));
  });
  if (placement !== null) {
    // The selected flight's token: a tick across the ring and a marker on it, named on hover.
    const fraction = ringFraction(placement.status.token);
    const [x, y] = point(fraction, 80);
    const [ix, iy] = point(fraction, 62);
    const [ox, oy] = point(fraction, 98);
    root.append(svg('line', { x1: ix, y1: iy, x2: ox, y2: oy, stroke: '#1d2733', 'stroke-width': 2 }));
    const marker = svg('circle', { cx: x, cy: y, r: 5, fill: '#fff', stroke: '#1d2733', 'stroke-width': 2, class: 'flight-token' });
    const title = document.createElementNS(svgNamespace, 'title');
    title.textContent = `${placement.flightNumber}: token ${placement.status.token}`;
    marker.append(title);
    root.append(marker);
  }
  const centre = svg('text', { x: 110, y: 114, 'text-anchor': 'middle', 'font-size': 12, fill: '#5b6875' });
  centre.textContent = `${view.nodes.filter((node) => node.status === 'UP').length} of ${view.nodes.length} up`;
  root.append(centre);
  return root;
}

const stateLabel = (node: ClusterNodeView) => (node.operation ?? (node.state === 'NORMAL' ? node.status.toLowerCase() : node.state.toLowerCase()));

export class ClusterPanel {
  private view: ClusterView | null = null;
  private placement: FlightPlacementView | null = null;
  private flight: { flightNumber: string; date: string } | null = null;
  private admin = false;
  private message: { text: string; ok: boolean } | null = null;
  /** Kept across renders while the admin state is the same, so a token being typed survives polling. */
  private adminElement: { admin: boolean; element: HTMLElement } | null = null;

  constructor(private readonly pane: HTMLElement, private readonly tab: HTMLElement) {}

  /** Shows the tab if the server has a cluster panel, then polls. */
  async start(): Promise<void> {
    this.takeTokenFromAddress();
    try {
      this.view = await request<ClusterView>('/api/cluster');
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) return; // not a local cluster: no panel at all
    }
    this.tab.hidden = false;
    await this.checkAdmin();
    this.render();
    setInterval(() => void this.refresh(), pollMs);
  }

  selectFlight(flightNumber: string, date: string): void {
    this.flight = { flightNumber, date };
    this.placement = null;
    void this.refresh();
  }

  /** For tests: the figures shown. */
  shown(): ClusterView | null {
    return this.view;
  }

  private takeTokenFromAddress(): void {
    const match = /(?:^#|&)admin=([A-Za-z0-9_-]{1,200})/.exec(location.hash);
    if (match === null) return;
    sessionStorage.setItem(tokenStorageKey, match[1] ?? '');
    history.replaceState(null, '', location.pathname + location.search);
  }

  private authorization(): Record<string, string> {
    const token = sessionStorage.getItem(tokenStorageKey);
    return token === null ? {} : { authorization: `Bearer ${token}` };
  }

  private async checkAdmin(): Promise<void> {
    if (sessionStorage.getItem(tokenStorageKey) === null) { this.admin = false; return; }
    try {
      await request('/api/cluster/admin', { headers: this.authorization() });
      this.admin = true;
    } catch {
      this.admin = false;
      sessionStorage.removeItem(tokenStorageKey);
      this.message = { text: 'That administrator token is not this app\'s.', ok: false };
    }
  }

  private async refresh(): Promise<void> {
    try {
      this.view = await request<ClusterView>('/api/cluster');
      const flight = this.flight;
      if (flight !== null) this.placement = await request<FlightPlacementView>(`/api/cluster/flights/${encodeURIComponent(flight.flightNumber)}/${encodeURIComponent(flight.date)}`);
    } catch (error) {
      this.message = { text: `Cluster view failed: ${error instanceof Error ? error.message : String(error)}`, ok: false };
    }
    this.render();
  }

  private async act(node: string, action: 'stop' | 'start'): Promise<void> {
    try {
      await request(`/api/cluster/nodes/${encodeURIComponent(node)}/${action}`, { method: 'POST', headers: this.authorization() });
      this.message = { text: action === 'stop' ? `Killed ${node}; watch gossip mark it down.` : `Starting ${node}…`, ok: true };
    } catch (error) {
      this.message = { text: `${action} ${node}: ${error instanceof Error ? error.message : String(error)}`, ok: false };
    }
    await this.refresh();
  }

  private render(): void {
    const view = this.view;
    if (view === null) { this.pane.replaceChildren(h('p', {}, 'Loading the cluster…')); return; }
    const scroll = this.pane.scrollTop;
    const parts: (HTMLElement | null)[] = [
      h('h2', {}, 'Cluster'),
      h('p', { class: 'count' }, `Keyspace ${view.keyspace} (${view.replication}); gossip as seen by ${view.observedBy ?? 'no node (none answers)'}`),
      h('div', { class: 'ring-wrap' }, drawRing(view, this.placement)),
      this.nodeTable(view),
      this.placementSection(view),
      this.operationLine(view),
      this.adminSection(),
    ];
    this.pane.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
    this.pane.scrollTop = scroll;
  }

  private nodeTable(view: ClusterView): HTMLElement {
    const rows = view.nodes.map((node, index) => {
      const buttons = !this.admin ? null : node.running
        ? h('button', { type: 'button', 'data-action': 'stop', 'data-node': node.name, title: 'SIGKILL the node, as a crash' }, 'Kill')
        : h('button', { type: 'button', 'data-action': 'start', 'data-node': node.name }, 'Start');
      if (buttons !== null) {
        if (node.operation !== null) buttons.setAttribute('disabled', '');
        buttons.addEventListener('click', () => void this.act(node.name, buttons.dataset['action'] === 'stop' ? 'stop' : 'start'));
      }
      return h('tr', { 'data-node': node.name, 'data-status': node.status, 'data-state': node.state },
        h('td', { title: node.address }, h('span', { class: 'swatch', style: `background:${colours[index % colours.length] ?? '#999'}` }), ` ${node.name}`),
        h('td', {}, h('span', { class: `node-state node-${node.operation ?? (node.status === 'UP' ? node.state.toLowerCase() : node.status.toLowerCase())}` }, stateLabel(node))),
        h('td', { class: 'num' }, formatBytes(node.loadBytes)),
        h('td', { class: 'num hints-in-progress' }, node.hintsInProgress === null ? '—' : String(node.hintsInProgress)),
        h('td', { class: 'num hints-delivered' }, node.hintsDelivered === null ? '—' : String(node.hintsDelivered)),
        h('td', { class: 'num read-repairs' }, node.readRepairs === null ? '—' : String(node.readRepairs)),
        h('td', {}, buttons));
    });
    return h('table', { id: 'cluster-nodes' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Node'), h('th', {}, 'State'), h('th', { class: 'num' }, 'Load'),
        h('th', { class: 'num', title: 'hints held for down replicas (cassandra_storage_hints_in_progress)' }, 'Hints'),
        h('th', { class: 'num', title: 'hints delivered (cassandra_hints_delivered_total)' }, 'Deliv.'),
        h('th', { class: 'num', title: 'replicas repaired during reads (cassandra_read_repair_repaired_blocking_total)' }, 'RR'), h('th', {}, ''))),
      h('tbody', {}, ...rows));
  }

  private placementSection(view: ClusterView): HTMLElement {
    if (this.flight === null) return h('p', { class: 'count' }, 'Select a flight to see which nodes hold it.');
    const placement = this.placement;
    if (placement === null) return h('p', { class: 'count' }, `Locating ${this.flight.flightNumber}…`);
    const byAddress = new Map(view.nodes.map((node) => [node.address, node]));
    const line = (what: string, partition: PartitionPlacement) => h('div', { class: 'placement', 'data-table': partition.table },
      h('strong', {}, what), ` (${partition.table}): read ${partition.readConsistency}, written ${partition.writeConsistency}, on `,
      ...partition.replicas.flatMap((address, i) => {
        const node = byAddress.get(address);
        return [i === 0 ? '' : ', ', h('span', { class: `replica ${node?.status === 'UP' ? '' : 'replica-down'}`, 'data-node': node?.name ?? address }, node === undefined ? address : `${node.name} (${address})`)];
      }));
    return h('section', { id: 'flight-placement' },
      h('h3', {}, `${placement.flightNumber} on ${placement.date}`),
      h('p', { class: 'count' }, `Partition key (flight_number, date), Murmur3 token ${placement.status.token}`),
      line('Status', placement.status), line('Tracking', placement.tracking));
  }

  private operationLine(view: ClusterView): HTMLElement | null {
    const last = view.lastOperation;
    const message = this.message;
    if (message === null && last === null) return null;
    const text = message?.text ?? '';
    const lastText = last === null ? '' : `Last: ${last.action} ${last.node} ${last.ok ? 'done' : 'failed'}${last.ok ? '' : `: ${last.message}`}`;
    return h('p', { id: 'cluster-message', class: message?.ok === false || last?.ok === false ? 'error' : 'ok' }, [text, lastText].filter((part) => part !== '').join(' · '));
  }

  private adminSection(): HTMLElement {
    if (this.adminElement?.admin !== this.admin) this.adminElement = { admin: this.admin, element: this.buildAdminSection() };
    return this.adminElement.element;
  }

  private buildAdminSection(): HTMLElement {
    if (this.admin) return h('p', { class: 'count' }, 'Administrator: Kill stops a node abruptly (SIGKILL); Start brings it back and it receives its hints.');
    const input = h('input', { type: 'password', id: 'admin-token', placeholder: 'administrator token', autocomplete: 'off', maxlength: '200', 'aria-label': 'administrator token' });
    const form = h('form', { id: 'admin-form', class: 'admin-form' }, input, h('button', { type: 'submit' }, 'Unlock'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      sessionStorage.setItem(tokenStorageKey, input.value.trim());
      this.message = null;
      void this.checkAdmin().then(() => this.render());
    });
    return h('details', {}, h('summary', {}, 'Administrator'), h('p', { class: 'count' }, 'Stopping and starting nodes needs the token `aero start` printed.'), form);
  }
}

export function createClusterPanel(): ClusterPanel {
  return new ClusterPanel(byId('cluster-pane'), byId('tab-cluster'));
}
