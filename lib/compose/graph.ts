/** Whether `to` can be reached from `from` along `edges` (a node reaches itself). Pure. */
export function reaches(edges: ReadonlyMap<string, Iterable<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const todo = [from];
  while (todo.length) {
    const node = todo.pop()!;
    if (node === to) return true;
    if (seen.has(node)) continue;
    seen.add(node);
    todo.push(...(edges.get(node) ?? []));
  }
  return false;
}
