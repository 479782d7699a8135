/**
 * One scrape, the whole process group: with WORKERS > 1 the worker that receives /metrics asks
 * the primary, which gathers every worker's registry with prom-client's AggregatorRegistry
 * (counters and histograms summed, gauges summed across workers) and answers with the aggregate.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'yihao:metrics';
const ANSWER = 'yihao:metrics:answer';
const TIMEOUT_MS = 5000;

interface Answer { type: typeof ANSWER; id: string; text?: string; error?: string }

/** In the primary: answers workers' requests for the aggregate. */
export function aggregateWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, msg: { type?: string; id?: string }) => {
    if (msg?.type !== ASK) return;
    aggregator.clusterMetrics()
      .then((text) => worker.send({ type: ANSWER, id: msg.id!, text } satisfies Answer))
      .catch((err: Error) => worker.send({ type: ANSWER, id: msg.id!, error: err.message } satisfies Answer));
  });
}

/** In a worker: this registry answers the primary's AggregatorRegistry. */
export function joinAggregation(registry: Registry): void {
  if (!cluster.isWorker) return;
  // Constructing one is what makes prom-client answer the primary's requests in this worker.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** The text to serve: the cluster's aggregate in a worker, this process's own otherwise. */
export async function renderMetrics(registry: Registry): Promise<string> {
  if (!cluster.isWorker || !process.send) return registry.metrics();
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { process.off('message', onMessage); reject(new Error('metrics aggregation timed out')); }, TIMEOUT_MS);
    const onMessage = (msg: Answer) => {
      if (msg?.type !== ANSWER || msg.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (msg.text !== undefined) resolve(msg.text);
      else reject(new Error(msg.error ?? 'metrics aggregation failed'));
    };
    process.on('message', onMessage);
    process.send!({ type: ASK, id });
  });
}
