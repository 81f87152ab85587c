// A histogram of non-negative integers in exponentially growing buckets, as Cassandra's
// EstimatedHistogram keeps its latencies (microseconds), partition sizes (bytes), cell counts
// and sstables per read: bucket i counts values in (offset[i-1], offset[i]], offsets grow by
// about 1.2 each step, so a percentile is the upper bound of the bucket it falls in (an
// estimate never below the true value, at most ~20 % above it). Memory is fixed per histogram.

/** Cassandra's bucket offsets: 1, 2, 3, ... each max(previous + 1, round(previous * 1.2)). */
function bucketOffsets(count: number): number[] {
  const offsets = [1];
  let last = 1;
  for (let i = 1; i < count; i++) {
    const next = Math.max(last + 1, Math.round(last * 1.2));
    offsets.push(next);
    last = next;
  }
  return offsets;
}

/** The bucket counts of Cassandra's histograms: latencies (up to ~ 36 min in µs), sizes, cell counts. */
export const BUCKETS = { latency: 90, partitionSize: 150, cellCount: 114, small: 30 } as const;

const offsetsByCount = new Map<number, number[]>();

export interface HistogramSummary {
  count: number;
  /** 50 %, 75 %, 95 %, 98 %, 99 %, min, max (nodetool's seven rows); NaN when empty. */
  percentiles: [number, number, number, number, number, number, number];
}

export class EstimatedHistogram {
  private readonly offsets: number[];
  /** buckets[i] counts values <= offsets[i] (and above the previous offset); the last one overflows. */
  private readonly buckets: Float64Array;
  private total = 0;
  /** The exact sum of the values added (Cassandra's TotalLatency counters beside the latency histograms). */
  private valueSum = 0;
  private minimum = Number.POSITIVE_INFINITY;
  private maximum = 0;

  constructor(bucketCount: number = BUCKETS.latency) {
    let offsets = offsetsByCount.get(bucketCount);
    if (offsets === undefined) {
      offsets = bucketOffsets(bucketCount);
      offsetsByCount.set(bucketCount, offsets);
    }
    this.offsets = offsets;
    this.buckets = new Float64Array(bucketCount + 1);
  }

  add(value: number): void {
    const v = Math.max(0, Math.ceil(value));
    this.buckets[this.bucketOf(v)] = (this.buckets[this.bucketOf(v)] ?? 0) + 1;
    this.total++;
    this.valueSum += v;
    if (v < this.minimum) this.minimum = v;
    if (v > this.maximum) this.maximum = v;
  }

  get count(): number {
    return this.total;
  }

  /** The exact sum of every value added (each rounded up to an integer, as added). */
  get totalValue(): number {
    return this.valueSum;
  }

  /** True when a value beyond the last bucket was added (Cassandra's isOverflowed). */
  get overflowed(): boolean {
    return (this.buckets[this.buckets.length - 1] ?? 0) > 0;
  }

  /** The upper bound of the bucket holding the p-th fraction of values (0 when empty, as Cassandra). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const wanted = Math.ceil(this.total * p);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i] ?? 0;
      if (seen >= wanted && seen > 0) return i < this.offsets.length ? (this.offsets[i] ?? 0) : this.maximum;
    }
    return this.maximum;
  }

  /** Smallest and largest values added, as the bounds of their buckets like Cassandra's min()/max(). */
  min(): number {
    return this.total === 0 ? 0 : this.bucketBound(this.minimum);
  }

  max(): number {
    return this.total === 0 ? 0 : this.bucketBound(this.maximum);
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum() / this.total;
  }

  summary(): HistogramSummary {
    return {
      count: this.total,
      percentiles: [this.percentile(0.5), this.percentile(0.75), this.percentile(0.95), this.percentile(0.98), this.percentile(0.99), this.min(), this.max()],
    };
  }

  private sum(): number {
    let sum = 0;
    for (let i = 0; i < this.offsets.length; i++) sum += (this.buckets[i] ?? 0) * (this.offsets[i] ?? 0);
    return sum + (this.buckets[this.offsets.length] ?? 0) * this.maximum;
  }

  private bucketBound(value: number): number {
    const index = this.bucketOf(value);
    return index < this.offsets.length ? (this.offsets[index] ?? value) : value;
  }

  /** Binary search for the first offset >= value. */
  private bucketOf(value: number): number {
    let low = 0;
    let high = this.offsets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.offsets[middle] ?? 0) < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
