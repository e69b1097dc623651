import { acknowledgeHint, finding, PreflightFinding, IPreflightRule } from '../rule';
import { asArray, isObject, ResourceRef, TemplateSet } from '../template-set';

const ID = 'Preflight-AlbQuotas';

/** Application Load Balancer quotas (defaults; "adjustable" ones can be raised in Service Quotas). */
export const APPLICATION_LOAD_BALANCER_QUOTAS = {
  /** Listeners per Application Load Balancer (adjustable). */
  listenersPerLoadBalancer: 50,
  /** Rules per Application Load Balancer, excluding default rules (adjustable). */
  rulesPerLoadBalancer: 100,
  /** Target groups per Application Load Balancer (not adjustable). */
  targetGroupsPerLoadBalancer: 100,
  /** Certificates per Application Load Balancer, excluding default certificates (adjustable). */
  certificatesPerLoadBalancer: 25,
  /** Target groups per action (not adjustable). */
  targetGroupsPerAction: 5,
  /** Condition values per rule (not adjustable). */
  conditionValuesPerRule: 5,
  /** Condition wildcards per rule (not adjustable). */
  wildcardsPerRule: 5,
} as const;

/** The values of one listener rule condition, however it is spelled (a query-string pair renders as `key=value`). */
export function conditionValues(condition: Record<string, any>): unknown[] {
  const fromConfig = (config: unknown): unknown[] => (isObject(config) ? asArray(config.Values) : []);
  return [
    ...asArray(condition.Values),
    ...fromConfig(condition.HostHeaderConfig),
    ...fromConfig(condition.PathPatternConfig),
    ...fromConfig(condition.HttpHeaderConfig),
    ...fromConfig(condition.HttpRequestMethodConfig),
    ...fromConfig(condition.SourceIpConfig),
    // A key/value pair is one value; `Key` is optional.
    ...asArray(condition.QueryStringConfig?.Values).map((kv) => (kv?.Key !== undefined ? { 'Fn::Join': ['=', [kv.Key, kv?.Value]] } : kv?.Value)),
  ];
}

/**
 * Application Load Balancer quotas that only fail at deploy time: rules, listeners, target groups and non-default
 * certificates per load balancer, condition values and wildcards per rule, target groups per action.
 */
export const ALB_QUOTAS_RULE: IPreflightRule = {
  id: ID,
  summary: 'Application Load Balancer quotas: rules, listeners, target groups and certificates per load balancer; condition values, wildcards and target groups per rule',
  check(templates: TemplateSet): PreflightFinding[] {
    const findings: PreflightFinding[] = [];
    const fix = (what: string) => `${what} ${acknowledgeHint(ID)}`;
    const keyOf = (ref: ResourceRef | undefined) => (ref ? `${ref.template.templateFile}#${ref.logicalId}` : undefined);

    interface Usage { lb: ResourceRef; listeners: number; rules: number; certificates: number; targetGroups: Set<string> }
    const usage = new Map<string, Usage>();
    for (const lb of templates.resourcesOfType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      const type = templates.literal(lb.template, lb.resource.Properties?.Type);
      if (type === undefined || type === 'application') usage.set(keyOf(lb)!, { lb, listeners: 0, rules: 0, certificates: 0, targetGroups: new Set() });
    }
    const listenerLb = new Map<string, Usage>();
    for (const listener of templates.resourcesOfType('AWS::ElasticLoadBalancingV2::Listener')) {
      const u = usage.get(keyOf(templates.resolveResource(listener.template, listener.resource.Properties?.LoadBalancerArn)) ?? '');
      checkActions(listener, 'Properties.DefaultActions', listener.resource.Properties?.DefaultActions, u);
      if (!u) continue;
      listenerLb.set(keyOf(listener)!, u);
      u.listeners++;
      u.certificates += Math.max(0, asArray(listener.resource.Properties?.Certificates).length - 1);
    }
    const usageOfListener = (ref: ResourceRef) => listenerLb.get(keyOf(templates.resolveResource(ref.template, ref.resource.Properties?.ListenerArn)) ?? '');
    for (const ref of templates.resourcesOfType('AWS::ElasticLoadBalancingV2::ListenerCertificate')) {
      const u = usageOfListener(ref);
      if (u) u.certificates += asArray(ref.resource.Properties?.Certificates).length;
    }
    for (const rule of templates.resourcesOfType('AWS::ElasticLoadBalancingV2::ListenerRule')) {
      const u = usageOfListener(rule);
      if (u) u.rules++;
      checkActions(rule, 'Properties.Actions', rule.resource.Properties?.Actions, u);
      checkConditions(rule);
    }

    for (const u of usage.values()) {
      const over = (count: number, quota: number, what: string, remedy: string) => {
        if (count > quota) findings.push(finding(ID, u.lb, 'Properties', `${count} ${what} on this load balancer; the quota is ${quota}`, fix(remedy)));
      };
      over(u.rules, APPLICATION_LOAD_BALANCER_QUOTAS.rulesPerLoadBalancer, 'listener rules (excluding default rules)',
        'Spread routes over more load balancers (FleetLoadBalancer maxLoadBalancers) or raise "Rules per Application Load Balancer" in Service Quotas.');
      over(u.listeners, APPLICATION_LOAD_BALANCER_QUOTAS.listenersPerLoadBalancer, 'listeners',
        'Use fewer listeners (route by host or path on one) or raise "Listeners per Application Load Balancer" in Service Quotas.');
      over(u.targetGroups.size, APPLICATION_LOAD_BALANCER_QUOTAS.targetGroupsPerLoadBalancer, 'target groups',
        'Spread services over more load balancers; this quota cannot be raised.');
      over(u.certificates, APPLICATION_LOAD_BALANCER_QUOTAS.certificatesPerLoadBalancer, 'non-default certificates',
        'Use fewer certificates (a wildcard or multi-name certificate) or raise "Certificates per Application Load Balancer" in Service Quotas.');
    }
    return findings;

    function checkActions(ref: ResourceRef, location: string, actions: unknown, u: Usage | undefined) {
      asArray(actions).forEach((action, i) => {
        const groups = [action?.TargetGroupArn, ...asArray(action?.ForwardConfig?.TargetGroups).map((g) => g?.TargetGroupArn)].filter((g) => g !== undefined);
        for (const group of groups) {
          const target = templates.resolveResource(ref.template, group);
          u?.targetGroups.add(keyOf(target) ?? JSON.stringify(templates.render(ref.template, group)));
        }
        const forwarded = asArray(action?.ForwardConfig?.TargetGroups).length;
        if (forwarded > APPLICATION_LOAD_BALANCER_QUOTAS.targetGroupsPerAction) {
          findings.push(finding(ID, ref, `${location}.${i}.ForwardConfig.TargetGroups`,
            `${forwarded} target groups in one forward action; the quota is ${APPLICATION_LOAD_BALANCER_QUOTAS.targetGroupsPerAction}`,
            fix('Forward to at most 5 target groups per action; this quota cannot be raised.')));
        }
      });
    }

    function checkConditions(rule: ResourceRef) {
      const values = asArray(rule.resource.Properties?.Conditions).flatMap((c) => (isObject(c) ? conditionValues(c) : []));
      if (values.length > APPLICATION_LOAD_BALANCER_QUOTAS.conditionValuesPerRule) {
        findings.push(finding(ID, rule, 'Properties.Conditions', `${values.length} condition values in one rule; the quota is ${APPLICATION_LOAD_BALANCER_QUOTAS.conditionValuesPerRule}`,
          fix('Split the rule into several rules with at most 5 values each; this quota cannot be raised.')));
      }
      const wildcards = values.map((v) => templates.literal(rule.template, v)).filter((v): v is string => typeof v === 'string')
        .reduce((n, v) => n + (v.match(/[*?]/g)?.length ?? 0), 0);
      if (wildcards > APPLICATION_LOAD_BALANCER_QUOTAS.wildcardsPerRule) {
        findings.push(finding(ID, rule, 'Properties.Conditions', `${wildcards} wildcards (* or ?) in one rule's conditions; the quota is ${APPLICATION_LOAD_BALANCER_QUOTAS.wildcardsPerRule}`,
          fix('Split the rule or use fewer wildcards; this quota cannot be raised.')));
      }
    }
  },
};
