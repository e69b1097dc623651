/**
 * A Mermaid flowchart of one stack's model: load balancers → routes → services → capacity; DNS records and what they
 * follow; swarm node groups; schedules and the nightly chain over regions. GitHub and GitLab render it in a pull
 * request comment.
 */
import { StackModel } from './model';

/** Text inside a quoted Mermaid label: quotes and angle brackets as entities, so no label can break the chart. */
function label(s: string): string {
  // Entities for everything Mermaid or Markdown could read as syntax; line breaks become spaces, so a label can never
  // close the chart's fence or start a Markdown line.
  const entities: Record<string, string> = {
    '&': '#amp;', '"': '#quot;', '<': '#lt;', '>': '#gt;', '`': '#96;', '[': '#91;', ']': '#93;', '{': '#123;', '}': '#125;', '(': '#40;', ')': '#41;', '|': '#124;',
  };
  return s.replace(/[\r\n]+/g, ' ').replace(/[&"<>`[\]{}()|]/g, (c) => entities[c]);
}

/** The flowchart's source (without the ```mermaid fence). */
export function mermaidDiagram(model: StackModel): string {
  const lines = ['flowchart LR'];
  const ids = new Map<string, string>();
  const id = (key: string, prefix: string) => {
    let v = ids.get(key);
    if (v === undefined) {
      v = `${prefix}${ids.size + 1}`;
      ids.set(key, v);
    }
    return v;
  };

  for (const g of model.groups) {
    const size = `${g.instanceType} ×${g.desired ?? g.min}${g.max !== (g.desired ?? g.min) ? ` (${g.min}–${g.max})` : ''}`;
    const kind = g.swarm ? `swarm ${g.swarm}` : 'capacity';
    lines.push(`  ${id(g.id, 'g')}[("${label(`${kind}: ${g.name}`)}<br/>${label(size)}")]`);
  }
  for (const s of model.services) {
    const count = s.scaling ? `×${s.scaling.min}–${s.scaling.max}` : s.desired === undefined ? 'scaled' : `×${s.desired}`;
    lines.push(`  ${id(s.id, 's')}["${label(`service ${s.name}`)}<br/>${label(`${s.image} ${count}`)}"]`);
    if (s.capacity && ids.has(s.capacity)) lines.push(`  ${ids.get(s.id)} --> ${ids.get(s.capacity)}`);
    else if (s.fargate) lines.push(`  ${ids.get(s.id)} --> ${id('fargate', 'f')}(["Fargate"])`);
  }
  for (const lb of model.loadBalancers) {
    const kind = lb.kind === 'network' ? 'NLB' : 'ALB';
    lines.push(`  ${id(lb.id, 'lb')}{{"${label(`${kind} ${lb.name}`)}<br/>${lb.internetFacing ? 'internet-facing' : 'internal'}"}}`);
    for (const route of lb.routes) {
      const words = [route.host && `host ${route.host}`, route.path && `path ${route.path}`, route.port].filter(Boolean).join(' ') || 'default';
      for (const service of route.services) {
        if (ids.has(service)) lines.push(`  ${ids.get(lb.id)} -->|"${label(words)}"| ${ids.get(service)}`);
      }
    }
  }
  model.records.forEach((r, i) => {
    const node = id(`record:${i}`, 'd');
    lines.push(`  ${node}>"${label(r.name)}"]`);
    if (r.follows && ids.has(r.follows)) lines.push(`  ${node} -.->|follows| ${ids.get(r.follows)}`);
    else if (ids.has(r.target)) lines.push(`  ${node} -.-> ${ids.get(r.target)}`);
  });
  for (const sch of model.schedules) {
    const node = id(sch.id, 'n');
    const what = sch.targetType === 'AWS::StepFunctions::StateMachine' ? 'state machine' : sch.targetType === 'AWS::Lambda::Function' ? 'function' : 'target';
    lines.push(`  ${node}(["${label(`schedule ${sch.expression} → ${what}`)}"])`);
    const chain = sch.targetType === 'AWS::StepFunctions::StateMachine' ? model.chains[0] : undefined;
    if (chain) {
      let previous = node;
      chain.regions.forEach((region) => {
        const r = id(`${sch.id}:${region}`, 'r');
        lines.push(`  ${r}["${label(`clean slate ${region}`)}"]`);
        lines.push(`  ${previous} --> ${r}`);
        previous = r;
      });
    }
  }
  return lines.join('\n');
}
