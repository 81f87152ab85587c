// Keyboard shortcuts, and the help that lists them (shown with ? or the ? button). Keys typed
// into a field are the field's, except Esc, which leaves it.

import type L from 'leaflet';
import { byId, h } from './dom.js';

export interface ShortcutActions {
  map: L.Map;
  toggleFollow(): void;
  deselect(): void;
  showFlights(): void;
}

export const shortcuts: readonly [keys: string, what: string][] = [
  ['/', 'search flights and airports'],
  ['Esc', 'close this help or the search results; deselect the flight or airport'],
  ['F', 'follow the selected plane (again to stop)'],
  ['+ / −', 'zoom in / out'],
  ['T', 'the flights table'],
  ['L', 'show or hide the legend'],
  ['?', 'show or hide this help'],
];

function helpDialog(close: () => void): HTMLElement {
  const button = h('button', { type: 'button', id: 'help-close', 'aria-label': 'close' }, '×');
  button.addEventListener('click', close);
  return h('div', { class: 'help-box' },
    h('h2', {}, 'Keyboard shortcuts', button),
    h('table', { id: 'shortcuts' }, h('tbody', {}, ...shortcuts.map(([keys, what]) => h('tr', {}, h('td', {}, h('kbd', {}, keys)), h('td', {}, what))))),
    h('p', { class: 'count' }, 'Click a plane to select it; where planes overlap, the nearest to the pointer is selected and the others are listed. The address keeps the selection, date, map view and tab: copy it to share what you see.'));
}

export function setupShortcuts(actions: ShortcutActions): void {
  const help = byId('help');
  const setHelp = (open: boolean) => {
    help.hidden = !open;
    byId('help-button').setAttribute('aria-expanded', String(open));
  };
  help.replaceChildren(helpDialog(() => setHelp(false)));
  help.addEventListener('click', (event) => { if (event.target === help) setHelp(false); });
  byId('help-button').addEventListener('click', () => setHelp(help.hidden === true));
  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    const typing = target !== null && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA');
    if (typing) {
      if (event.key === 'Escape') target.blur();
      return;
    }
    switch (event.key) {
      case '/': event.preventDefault(); byId<HTMLInputElement>('search').focus(); break;
      case '?': setHelp(help.hidden === true); break;
      case 'Escape':
        if (!help.hidden) setHelp(false);
        else if (!byId('search-results').hidden) byId('search-results').hidden = true;
        else { actions.map.closePopup(); actions.deselect(); }
        break;
      case 'f': case 'F': actions.toggleFollow(); break;
      case '+': case '=': actions.map.zoomIn(); break;
      case '-': case '_': actions.map.zoomOut(); break;
      case 't': case 'T': actions.showFlights(); break;
      case 'l': case 'L': { const legend = document.getElementById('legend'); if (legend instanceof HTMLDetailsElement) legend.open = !legend.open; break; }
      default: return;
    }
  });
}
