import type { TaskNode } from "../graph/graph-schema.ts";
import { type DataPath, parseDataPath } from "./data-paths.ts";
import { parseTaskUrl } from "./task-url.ts";
import { templateIssues } from "./template.ts";

/** What the checks of a task node need to know about the rest of the graph. */
export interface TaskGraphFacts {
  /** Whether the graph has a node with this id. */
  hasNode(nodeId: string): boolean;
  /** Whether the node with this id can run before the task node (a path leads from it to the task). */
  runsBefore(nodeId: string): boolean;
}

/** One problem of a task node, at a path relative to the node. */
export interface TaskNodeProblem {
  field: (string | number)[];
  message: string;
}

/**
 * The semantic problems of a task node: the form of an http handler's URL, the paths of its `input`
 * mapping, and the placeholders of a template handler's `output`. Paths into node outputs must name a
 * node that can run before this one.
 *
 * @param node - A task node whose shape is valid.
 * @param facts - What the checks need from the graph.
 */
export function taskNodeProblems(node: TaskNode, facts: TaskGraphFacts): TaskNodeProblem[] {
  const problems: TaskNodeProblem[] = [];
  const checkPath = (path: DataPath, text: string): string | null => {
    if (path.root !== "output") return null;
    if (!facts.hasNode(path.nodeId)) return `"${text}" refers to unknown node "${path.nodeId}"`;
    if (!facts.runsBefore(path.nodeId)) {
      return `"${text}" refers to node "${path.nodeId}", which never runs before "${node.id}"`;
    }
    return null;
  };

  const handler = node.handler;
  if (handler.type === "http") {
    const url = parseTaskUrl(handler.url);
    if (!url.ok) problems.push({ field: ["handler", "url"], message: `handler.url ${url.message}` });
  } else if (handler.type === "template") {
    for (const issue of templateIssues(handler.output, checkPath)) {
      const field = ["handler", "output", ...issue.path];
      problems.push({ field, message: `${formatField(field)}: ${issue.message}` });
    }
  }

  for (const [key, text] of Object.entries(node.input ?? {})) {
    const parsed = parseDataPath(text);
    const message = parsed.ok ? checkPath(parsed.path, text) : parsed.message;
    if (message !== null) problems.push({ field: ["input", key], message: `input "${key}": ${message}` });
  }
  return problems;
}

function formatField(path: (string | number)[]): string {
  return path.reduce<string>(
    (out, segment) =>
      typeof segment === "number" ? `${out}[${segment}]` : out === "" ? segment : `${out}.${segment}`,
    "",
  );
}
