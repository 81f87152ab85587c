// The map's legend (a Leaflet control): the altitude colours of the planes, the statuses'
// colours as the boards and the table show them, and what the airport dots mean. A <details>
// element, so it folds away (folded at first on a phone).

import L from 'leaflet';
import { flightStatuses } from '../model/flight.js';
import { h, statusBadge } from './dom.js';
import { altitudeColor, altitudeHueStops, groundColor } from './plane-layer.js';

const rampTopFt = 40_000;

function altitudeRamp(): HTMLElement {
  // The same colours the planes get, sampled along the ramp.
  const stops = [0, ...altitudeHueStops.map(([ft]) => ft), rampTopFt]
    .filter((ft, i, all) => ft <= rampTopFt && all.indexOf(ft) === i)
    .map((ft) => `${altitudeColor(Math.max(ft, 50))} ${((ft / rampTopFt) * 100).toFixed(1)}%`);
  const labels = ['0', '10k', '20k', '30k', '40k+'].map((text) => h('span', {}, text));
  return h('div', { class: 'legend-altitude' },
    h('div', { class: 'legend-row' }, h('span', { class: 'swatch', style: `background:${groundColor}` }), ' on the ground'),
    h('div', { class: 'ramp', id: 'legend-ramp', style: `background:linear-gradient(to right, ${stops.join(', ')})` }),
    h('div', { class: 'ramp-labels' }, ...labels),
    h('div', { class: 'count' }, 'altitude, feet'));
}

export function createLegend(options: { open: boolean }): L.Control {
  const control = new L.Control({ position: 'bottomleft' });
  control.onAdd = () => {
    const details = h('details', { id: 'legend', class: 'legend leaflet-bar' },
      h('summary', {}, 'Legend'),
      h('h4', {}, 'Planes by altitude'),
      altitudeRamp(),
      h('div', { class: 'legend-row' }, h('span', { class: 'selected-ring' }), ' selected flight'),
      h('h4', {}, 'Status'),
      h('div', { class: 'legend-statuses' }, ...flightStatuses.map((status) => statusBadge(status))),
      h('h4', {}, 'Airports'),
      h('div', { class: 'legend-row' }, h('span', { class: 'dot dot-large' }), ' large ', h('span', { class: 'dot' }), ' other (zoom in)'),
      h('p', { class: 'count' }, 'Press ? for keyboard shortcuts'));
    details.open = options.open;
    L.DomEvent.disableClickPropagation(details);
    L.DomEvent.disableScrollPropagation(details);
    return details;
  };
  return control;
}
