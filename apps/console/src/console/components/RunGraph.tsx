import dagre from "@dagrejs/dagre";
import {
  Background,
  Controls,
  type Edge,
  Handle,
  MarkerType,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  useReactFlow,
  useStore,
} from "@xyflow/react";
import { memo, useEffect, useMemo } from "react";
import { type GraphSpec, graphEdges, nodeSummary } from "../graph-model.ts";
import type { NodeView, RunView } from "../run-state.ts";

const NODE_WIDTH = 190;
const NODE_HEIGHT = 64;

/** Data of one drawn node. */
interface FlowNodeData extends Record<string, unknown> {
  nodeId: string;
  type: string;
  summary: string;
  isEntry: boolean;
  view: NodeView | null;
  issues: string[];
  selected: boolean;
}

const FlowNode = memo(function FlowNode({ data }: NodeProps<Node<FlowNodeData>>) {
  const view = data.view;
  const state = view?.state ?? "idle";
  return (
    <div
      className={`flow-node type-${data.type} state-${state}${data.issues.length ? " has-issues" : ""}${data.selected ? " is-selected" : ""}`}
      data-node-id={data.nodeId}
      data-state={state}
      data-result={view?.result ?? ""}
      data-attempts={view?.attempts ?? 0}
      data-started-seq={view?.startedSeq ?? ""}
      data-completed-seq={view?.completedSeq ?? ""}
      data-paused-seq={view?.pausedSeq ?? ""}
      data-seq={view?.seq ?? ""}
      title={data.issues.join("\n") || undefined}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <div className="flow-node-title">
        <strong>{data.nodeId}</strong>
        {data.isEntry ? <span className="flow-node-tag">entry</span> : null}
      </div>
      <div className="flow-node-meta">
        {data.summary}
        {view && state !== "idle" ? (
          <>
            {" · "}
            <span className="flow-node-state">{view.result ?? state}</span>
            {view.attempts > 1 ? ` · ${view.attempts} attempts` : ""}
          </>
        ) : null}
      </div>
      {data.issues.length ? (
        <div className="flow-node-issues" role="note">
          {data.issues.length} issue{data.issues.length > 1 ? "s" : ""}: {data.issues[0]}
        </div>
      ) : null}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { flow: FlowNode };

/** Fits the graph to its box again when the box changes size (a phone rotated) or the graph's shape changes. */
function FitOnResize({ shape }: { shape: string }) {
  const { fitView } = useReactFlow();
  const width = useStore((state) => state.width);
  const height = useStore((state) => state.height);
  useEffect(() => {
    void fitView({ padding: 0.1 });
  }, [width, height, shape, fitView]);
  return null;
}

/** Positions from dagre, top to bottom, computed once per graph shape. */
function layout(graph: GraphSpec): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const edge of graphEdges(graph)) g.setEdge(edge.from, edge.to);
  dagre.layout(g);
  const positions = new Map<string, { x: number; y: number }>();
  for (const node of graph.nodes) {
    const placed = g.node(node.id) as { x: number; y: number } | undefined;
    positions.set(node.id, { x: (placed?.x ?? 0) - NODE_WIDTH / 2, y: (placed?.y ?? 0) - NODE_HEIGHT / 2 });
  }
  return positions;
}

/** Props of {@link RunGraph}. */
export interface RunGraphProps {
  graph: GraphSpec;
  /** The run's state, when drawing a run. */
  run?: RunView;
  /** Validation messages by node id (draft editor). */
  issues?: Readonly<Record<string, string[]>>;
  selectedNode?: string | null;
  onSelectNode?(nodeId: string): void;
  /** Accessible name of the drawing. */
  label: string;
  height?: number;
}

/**
 * A workflow graph drawn with React Flow, laid out with dagre. With a run, each node shows its state from
 * the run's events (classes `state-*` and `data-*` attributes carrying the seqs) and taken edges are
 * highlighted; with issues, nodes carry their validation errors.
 */
export function RunGraph({
  graph,
  run,
  issues,
  selectedNode,
  onSelectNode,
  label,
  height = 460,
}: RunGraphProps) {
  const shape = useMemo(() => JSON.stringify([graph.nodes.map((n) => n.id), graphEdges(graph)]), [graph]);
  const positions = useMemo(() => layout(graph), [shape]);
  const nodes = useMemo<Node<FlowNodeData>[]>(
    () =>
      graph.nodes.map((node) => ({
        id: node.id,
        type: "flow",
        position: positions.get(node.id) ?? { x: 0, y: 0 },
        // Known sizes: nodes passed anew on each event never wait for a measurement to be shown.
        initialWidth: NODE_WIDTH,
        initialHeight: NODE_HEIGHT,
        draggable: false,
        connectable: false,
        ariaLabel: `${node.id}: ${nodeSummary(node)}${run?.nodes[node.id] ? `, ${run.nodes[node.id]?.result ?? run.nodes[node.id]?.state}` : ""}`,
        data: {
          nodeId: node.id,
          type: node.type,
          summary: nodeSummary(node),
          isEntry: node.id === graph.entry,
          view: run?.nodes[node.id] ?? null,
          issues: issues?.[node.id] ?? [],
          selected: selectedNode === node.id,
        },
      })),
    [graph, positions, run, issues, selectedNode],
  );
  const edges = useMemo<Edge[]>(
    () =>
      graphEdges(graph).map((edge) => {
        const taken = run?.taken.includes(edge.id) ?? false;
        return {
          id: edge.id,
          source: edge.from,
          target: edge.to,
          label: edge.label,
          className: taken ? "edge-taken" : undefined,
          animated: taken,
          ...(taken ? { style: { stroke: "#157a3a", strokeWidth: 2.5 } } : {}),
          markerEnd: { type: MarkerType.ArrowClosed },
        };
      }),
    [graph, run],
  );
  return (
    <section
      className="run-graph"
      aria-label={label}
      style={{ height }}
      data-last-seq={run?.lastSeq ?? 0}
      data-run-status={run?.status ?? ""}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        fitView
        minZoom={0.2}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable
        onNodeClick={(_, node) => onSelectNode?.(node.id)}
      >
        <FitOnResize shape={shape} />
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </section>
  );
}
