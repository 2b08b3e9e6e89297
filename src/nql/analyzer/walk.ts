// A generic pre-order walk over AST nodes. It reads children reflectively (any property holding a
// node or an array of nodes) so it keeps working when the front end adds node kinds, and it
// uses an explicit stack so no query nesting can overflow the call stack. Identifier nodes are not
// visited: they are the most numerous leaves, and callers read names from their parents.
import type { Node } from '../ast.js';

function isInnerNode(value: unknown): value is Node {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === 'string' && kind !== 'identifier';
}

/** Calls `visit` on `root` and every non-identifier node below it, parents before children. */
export function walk(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    visit(node);
    // Children are pushed last-first so that they pop in source order.
    const mark = stack.length;
    for (const key in node) {
      if (key === 'span' || key === 'kind') continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (isInnerNode(value[i])) stack.push(value[i] as Node);
      } else if (isInnerNode(value)) {
        stack.push(value);
      }
    }
    // Reverse the block just pushed.
    for (let i = mark, j = stack.length - 1; i < j; i++, j--) {
      const t = stack[i] as Node;
      stack[i] = stack[j] as Node;
      stack[j] = t;
    }
  }
}
