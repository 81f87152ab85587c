import { test } from 'node:test';
import assert from 'node:assert/strict';
import { threadPools, type StatsReportParts } from './nodetool-stats-reports.js';

test('threadPools: the coordinator\'s local replica reads count on ReadStage and its local writes on MutationStage, beside the verbs', () => {
  const parts = {
    messaging: { stats: { verbWork: () => new Map([['READ', { active: 1, completed: 5, failed: 1 }], ['MUTATION', { active: 0, completed: 7, failed: 0 }]]) }, droppedMessages: () => new Map() },
    storage: { compactionStats: () => ({ running: 0, pending: 0, completed: 0 }), flushStats: () => ({ flushing: 0, completed: 0 }) },
    localMutations: () => ({ active: 2, completed: 10 }),
    localReads: () => ({ active: 1, completed: 20 }),
    nativeRequests: () => ({ active: 0, pending: 0, completed: 0 }),
    hints: () => ({ pending: 0, delivered: 0 }),
  } as unknown as StatsReportParts;
  const pools = new Map(threadPools(parts).map((pool) => [pool.name, pool]));
  assert.deepEqual([pools.get('ReadStage')?.active, pools.get('ReadStage')?.completed], [2, 26]);
  assert.deepEqual([pools.get('MutationStage')?.active, pools.get('MutationStage')?.completed], [2, 17]);
});
