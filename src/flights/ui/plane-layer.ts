// The planes, drawn on one canvas instead of a DOM marker each, so that 10,000 of them stay
// smooth: every animation frame positions the canvas over the view and draws each plane in
// view from a sprite pre-rendered per heading (rotating a path per plane per frame costs more),
// gliding between its last two reported positions, coloured by altitude (a ramp as tar1090's).
// Clicks and hovers find the nearest plane to the pointer; when several are within reach of a
// click, the nearest is selected and a small list offers the others.

import L from 'leaflet';
import type { PlaneInfo } from './api.js';

const planePath = 'M21 16v-2l-8-5V3.5a1.5 1.5 0 0 0-3 0V9l-8 5v2l8-2.5V19l-2 1.5V22l3.5-1 3.5 1v-1.5L13 19v-5.5z';
const spriteCssPx = 22;
const headingSteps = 72;
/** How near (CSS px) a click or hover must be to a plane's centre. */
const hitRadiusPx = 12;
/** Callsigns are drawn for at most this many planes in view. */
const callsignsMax = 150;
/** Planes offered when a click reaches several. */
const choicesMax = 8;

/**
 * Altitude (ft) to hue, as tar1090 colours aircraft: orange near the ground through yellow and
 * green to blue, violet at 40,000 ft and above. Planes on the ground are grey.
 */
export const altitudeHueStops: readonly [altitudeFt: number, hue: number][] = [
  [0, 20], [2_000, 32.5], [4_000, 43], [6_000, 54], [8_000, 72], [9_000, 85], [11_000, 140], [40_000, 300],
];
export const groundColor = '#7a7f87';
/** One sprite set per step of this many feet (the ramp is smooth enough at 1,000 ft). */
const altitudeStepFt = 1_000;

export function altitudeColor(altitudeFt: number | null): string {
  if (altitudeFt === null || altitudeFt < 50) return groundColor;
  let hue = altitudeHueStops.at(-1)?.[1] ?? 300;
  for (let i = 1; i < altitudeHueStops.length; i++) {
    const [lowFt, lowHue] = altitudeHueStops[i - 1] ?? [0, 0];
    const [highFt, highHue] = altitudeHueStops[i] ?? [0, 0];
    if (altitudeFt <= highFt) { hue = lowHue + ((highHue - lowHue) * (altitudeFt - lowFt)) / (highFt - lowFt); break; }
  }
  return `hsl(${Math.round(hue)}, 85%, 45%)`;
}

interface Plane {
  from: L.LatLng;
  to: L.LatLng;
  startMs: number;
  durationMs: number;
  info: PlaneInfo;
  /** Where it was drawn in the last frame (container px), for hit tests. */
  x: number;
  y: number;
  visible: boolean;
}

function sprites(color: string, ratio: number): HTMLCanvasElement[] {
  const path = new Path2D(planePath);
  const size = Math.ceil(spriteCssPx * ratio);
  return Array.from({ length: headingSteps }, (_, step) => {
    const canvas = document.createElement('canvas');
    canvas.width = size;
    canvas.height = size;
    const context = canvas.getContext('2d');
    if (context === null) return canvas;
    context.translate(size / 2, size / 2);
    context.rotate((step * 2 * Math.PI) / headingSteps);
    context.scale(size / 24, size / 24);
    context.translate(-12, -12);
    context.shadowColor = '#0006';
    context.shadowBlur = 1;
    context.fillStyle = color;
    context.fill(path);
    return canvas;
  });
}

export class PlaneLayer {
  private readonly canvas = document.createElement('canvas');
  private readonly planes = new Map<string, Plane>();
  private readonly ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  /** Sprites per altitude step (the key is the step, -1 on the ground), made when first needed. */
  private readonly byAltitude = new Map<number, HTMLCanvasElement[]>();
  private chooser: L.Popup | null = null;
  private readonly tooltip = L.tooltip({ direction: 'top', offset: [0, -10] });
  private updateIntervalMs = 1000;
  private lastSnapshotMs = 0;
  private selectedFlight: string | null = null;
  private hovered: string | null = null;

  constructor(private readonly map: L.Map, private readonly handlers: { onPlane: (plane: PlaneInfo) => void; tooltip: (plane: PlaneInfo) => string }) {
    const pane = map.createPane('planes');
    pane.style.zIndex = '620';
    pane.style.pointerEvents = 'none';
    this.canvas.className = 'plane-canvas';
    pane.appendChild(this.canvas);
    map.on('click', (event: L.LeafletMouseEvent) => this.click(this.pointer(event)));
    map.on('mousemove', (event: L.LeafletMouseEvent) => this.hover(this.pointer(event)));
  }

  /**
   * Where the pointer is (container px). Not the event's containerPoint: over a small circle
   * marker (an airport) Leaflet gives that marker's centre instead, so a click on a plane flying
   * over an airport looked for planes around the airport and could pick another one.
   */
  pointer(event: L.LeafletMouseEvent): L.Point {
    return this.map.mouseEventToContainerPoint(event.originalEvent);
  }

  /** Applies a feed snapshot: new targets for every plane, removing those gone. */
  update(planes: readonly PlaneInfo[], now: number): void {
    if (this.lastSnapshotMs > 0) this.updateIntervalMs = Math.min(5000, Math.max(200, now - this.lastSnapshotMs));
    this.lastSnapshotMs = now;
    const seen = new Set<string>();
    for (const info of planes) {
      const key = `${info.flightNumber}/${info.date}`;
      seen.add(key);
      const existing = this.planes.get(key);
      if (existing === undefined) {
        const at = L.latLng(info.latitude, info.longitude);
        this.planes.set(key, { from: at, to: at, startMs: now, durationMs: 1, info, x: 0, y: 0, visible: false });
        continue;
      }
      const from = this.positionAt(existing, now);
      // Glide the short way round, even across the antimeridian.
      let lon = info.longitude;
      while (lon - from.lng > 180) lon -= 360;
      while (lon - from.lng < -180) lon += 360;
      existing.from = from;
      existing.to = L.latLng(info.latitude, lon);
      existing.startMs = now;
      existing.durationMs = this.updateIntervalMs;
      existing.info = info;
    }
    for (const key of this.planes.keys()) if (!seen.has(key)) this.planes.delete(key);
  }

  select(flightNumber: string | null): void {
    this.selectedFlight = flightNumber;
  }

  count(): number {
    return this.planes.size;
  }

  /** The last reported position of a flight. */
  position(flightNumber: string): [number, number] | null {
    for (const plane of this.planes.values()) if (plane.info.flightNumber === flightNumber) return [plane.info.latitude, plane.info.longitude];
    return null;
  }

  /** Where a flight is now on its glide between reports (what the map draws). */
  gliding(flightNumber: string, now: number): L.LatLng | null {
    for (const plane of this.planes.values()) if (plane.info.flightNumber === flightNumber) return this.positionAt(plane, now);
    return null;
  }

  selected(): string | null {
    return this.selectedFlight;
  }

  /** Where a flight was drawn in the last frame (container px), or null when not in view. */
  drawnAt(flightNumber: string): [number, number] | null {
    for (const plane of this.planes.values()) if (plane.info.flightNumber === flightNumber && plane.visible) return [plane.x, plane.y];
    return null;
  }

  /** The colour a flight is drawn in (its altitude step's), or null when it is not on the map. */
  colorOf(flightNumber: string): string | null {
    for (const plane of this.planes.values()) {
      if (plane.info.flightNumber !== flightNumber) continue;
      const key = this.altitudeKey(plane.info);
      return key === -1 ? groundColor : altitudeColor(key * altitudeStepFt);
    }
    return null;
  }

  private positionAt(plane: Plane, now: number): L.LatLng {
    const t = Math.min(1, (now - plane.startMs) / plane.durationMs);
    return L.latLng(plane.from.lat + (plane.to.lat - plane.from.lat) * t, plane.from.lng + (plane.to.lng - plane.from.lng) * t);
  }

  /** Draws one frame: the canvas covers the view, in the map pane's moving coordinates. */
  draw(now: number): void {
    const size = this.map.getSize();
    const width = Math.round(size.x * this.ratio);
    const height = Math.round(size.y * this.ratio);
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
      this.canvas.style.width = `${size.x}px`;
      this.canvas.style.height = `${size.y}px`;
    }
    L.DomUtil.setPosition(this.canvas, this.map.containerPointToLayerPoint([0, 0]));
    const context = this.canvas.getContext('2d');
    if (context === null) return;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    const half = (spriteCssPx * this.ratio) / 2;
    const labels: Plane[] = [];
    const showLabels = this.map.getZoom() >= 3.5 || this.planes.size <= 60;
    let selected: Plane | null = null;
    for (const plane of this.planes.values()) {
      const point = this.map.latLngToContainerPoint(this.positionAt(plane, now));
      plane.x = point.x;
      plane.y = point.y;
      plane.visible = point.x > -spriteCssPx && point.y > -spriteCssPx && point.x < size.x + spriteCssPx && point.y < size.y + spriteCssPx;
      if (!plane.visible) continue;
      if (plane.info.flightNumber === this.selectedFlight) { selected = plane; continue; }
      this.drawSprite(context, plane, half);
      if (showLabels && labels.length < callsignsMax) labels.push(plane);
    }
    // The selected plane on top, ringed.
    if (selected !== null) {
      context.beginPath();
      context.arc(selected.x * this.ratio, selected.y * this.ratio, 14 * this.ratio, 0, 2 * Math.PI);
      context.fillStyle = '#ffffffb0';
      context.fill();
      context.lineWidth = 2.5 * this.ratio;
      context.strokeStyle = '#d9480f';
      context.stroke();
      this.drawSprite(context, selected, half);
      labels.push(selected);
    }
    this.drawCallsigns(context, labels);
  }

  private altitudeKey(info: PlaneInfo): number {
    const onGround = info.phase === 'taxi_out' || info.phase === 'taxi_in' || info.phase === 'parked' || info.phase === 'arrived';
    return onGround || info.altitudeFt < 50 ? -1 : Math.round(info.altitudeFt / altitudeStepFt);
  }

  private spritesFor(info: PlaneInfo): HTMLCanvasElement[] {
    const key = this.altitudeKey(info);
    let set = this.byAltitude.get(key);
    if (set === undefined) {
      set = sprites(key === -1 ? groundColor : altitudeColor(key * altitudeStepFt), this.ratio);
      this.byAltitude.set(key, set);
    }
    return set;
  }

  private drawSprite(context: CanvasRenderingContext2D, plane: Plane, half: number): void {
    const step = ((Math.round((plane.info.headingDeg * headingSteps) / 360) % headingSteps) + headingSteps) % headingSteps;
    const sprite = this.spritesFor(plane.info)[step];
    if (sprite !== undefined) context.drawImage(sprite, plane.x * this.ratio - half, plane.y * this.ratio - half);
  }

  private drawCallsigns(context: CanvasRenderingContext2D, planes: readonly Plane[]): void {
    context.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    context.font = '600 10.5px system-ui, sans-serif';
    context.textBaseline = 'middle';
    for (const plane of planes) {
      const text = plane.info.flightNumber;
      const width = context.measureText(text).width + 6;
      context.fillStyle = '#ffffffcc';
      context.fillRect(plane.x + 10, plane.y - 14, width, 13);
      context.fillStyle = plane.info.flightNumber === this.selectedFlight ? '#d9480f' : '#102a43';
      context.fillText(text, plane.x + 13, plane.y - 7.5);
    }
  }

  /** The planes within reach of a point, nearest first. */
  within(point: { x: number; y: number }): Plane[] {
    const found: { plane: Plane; distance: number }[] = [];
    for (const plane of this.planes.values()) {
      if (!plane.visible) continue;
      const distance = (plane.x - point.x) ** 2 + (plane.y - point.y) ** 2;
      if (distance <= hitRadiusPx * hitRadiusPx) found.push({ plane, distance });
    }
    return found.sort((a, b) => a.distance - b.distance || a.plane.info.flightNumber.localeCompare(b.plane.info.flightNumber)).map(({ plane }) => plane);
  }

  private nearest(point: L.Point): Plane | null {
    return this.within(point)[0] ?? null;
  }

  /** Selects the plane nearest the click; when others are within reach too, lists them all to choose from. */
  private click(point: L.Point): void {
    this.chooser?.remove();
    this.chooser = null;
    const reached = this.within(point);
    const nearest = reached[0];
    if (nearest === undefined) return;
    this.handlers.onPlane(nearest.info);
    if (reached.length < 2) return;
    const list = document.createElement('ul');
    list.className = 'plane-chooser';
    for (const plane of reached.slice(0, choicesMax)) {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset['flight'] = plane.info.flightNumber;
      button.textContent = `${plane.info.flightNumber} ${plane.info.origin}→${plane.info.destination} · ${Math.round(plane.info.altitudeFt).toLocaleString('en')} ft`;
      button.addEventListener('click', () => { this.chooser?.remove(); this.chooser = null; this.handlers.onPlane(plane.info); });
      item.append(button);
      list.append(item);
    }
    const title = document.createElement('div');
    title.className = 'plane-chooser-title';
    title.textContent = `${reached.length} planes here:`;
    const content = document.createElement('div');
    content.id = 'plane-chooser';
    content.append(title, list);
    this.chooser = L.popup({ offset: [0, -8], autoPan: false, closeButton: true }).setLatLng(this.map.containerPointToLatLng(point)).setContent(content).openOn(this.map);
  }

  private hover(point: L.Point): void {
    const plane = this.nearest(point);
    const key = plane === null ? null : `${plane.info.flightNumber}/${plane.info.date}`;
    this.map.getContainer().style.cursor = plane === null ? '' : 'pointer';
    if (key === this.hovered) return;
    this.hovered = key;
    if (plane === null) { this.tooltip.remove(); return; }
    this.tooltip.setLatLng(this.map.containerPointToLatLng([plane.x, plane.y])).setContent(this.handlers.tooltip(plane.info)).addTo(this.map);
  }
}
