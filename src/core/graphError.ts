/** A malformed graph. The message always names the offending node (or the graph field). */
export class GraphError extends Error {
  /** Id of the node the problem is about; null when it is about the graph as a whole. */
  readonly nodeId: string | null;
  constructor(nodeId: string | null, problem: string) {
    super(nodeId === null ? `graph: ${problem}` : `node "${nodeId}": ${problem}`);
    this.name = 'GraphError';
    this.nodeId = nodeId;
  }
}
