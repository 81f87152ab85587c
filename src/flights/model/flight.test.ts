import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canTransition, flightStatuses, isFlightNumber, isIsoDate, isTerminalStatus, statusTransitions, utcDate } from './flight.js';

test('status transitions: the simulator chain, delays and cancellations before departure only', () => {
  assert.equal(new Set(flightStatuses).size, flightStatuses.length, 'no duplicate statuses');
  for (const [from, tos] of Object.entries(statusTransitions)) {
    for (const to of tos) assert.ok((flightStatuses as readonly string[]).includes(to), `${from} -> ${to}`);
  }
  assert.ok(canTransition('scheduled', 'boarding'));
  assert.ok(canTransition('boarding', 'delayed'));
  assert.ok(canTransition('delayed', 'boarding'));
  assert.ok(!canTransition('en_route', 'cancelled'));
  assert.ok(!canTransition('landed', 'scheduled'));
  assert.ok(isTerminalStatus('landed') && isTerminalStatus('cancelled') && !isTerminalStatus('en_route'));
});

test('flight numbers and dates', () => {
  assert.ok(isFlightNumber('AR1234'));
  assert.ok(isFlightNumber('U21'));
  assert.ok(!isFlightNumber('ar1234'));
  assert.ok(!isFlightNumber('AR12345'));
  assert.ok(!isFlightNumber("AR1'; DROP"));
  assert.equal(utcDate(Date.UTC(2026, 0, 2, 23, 59)), '2026-01-02');
  assert.ok(isIsoDate('2026-02-28') && isIsoDate('2028-02-29') && !isIsoDate('2026-13-01') && !isIsoDate('yesterday'));
  assert.ok(!isIsoDate('2026-02-31') && !isIsoDate('2026-02-29') && !isIsoDate('2026-04-31'), 'dates that do not exist');
});
