import { App, Stack } from 'aws-cdk-lib';
import {
  applyRolloutOrder, MultiRegion, nightlySchedules, planRegions, RegionConfig, regionStackId, rolloutDependencies, rolloutWaves,
} from '../../lib/environments/multi-region';

// MultiRegion is the multi-region API for every CDK language (jsii has no module functions): each static method must
// give what its TypeScript function gives.
describe('MultiRegion: the multi-region helpers as static methods', () => {
  const configs: RegionConfig[] = [
    { name: 'eu-west-1', load: 30 },
    { name: 'us-east-1', load: 50, stackId: 'Prod-Virginia' },
    { name: 'ap-southeast-2', load: 10 },
  ];
  const latencyMs = { 'eu-west-1': { 'us-east-1': 80, 'ap-southeast-2': 280 }, 'us-east-1': { 'ap-southeast-2': 200 } };
  const plan = MultiRegion.planRegions(configs, { latencyMs });

  test('planRegions plans as the function does: least busy first', () => {
    expect(plan).toEqual(planRegions(configs, { latencyMs }));
    expect(plan.waves).toEqual([['ap-southeast-2'], ['eu-west-1'], ['us-east-1']]);
    expect(MultiRegion.planRegions(configs)).toEqual(planRegions(configs));
  });

  test('regionStackId: the configured stack id, else Production-<region>; an unknown region is refused', () => {
    expect(MultiRegion.regionStackId(configs, 'us-east-1')).toBe('Prod-Virginia');
    expect(MultiRegion.regionStackId(configs, 'eu-west-1')).toBe(regionStackId(configs, 'eu-west-1'));
    expect(MultiRegion.regionStackId(configs, 'eu-west-1')).toBe('Production-eu-west-1');
    expect(() => MultiRegion.regionStackId(configs, 'sa-east-1')).toThrow(/region 'sa-east-1' is not configured/);
  });

  test('rolloutWaves and rolloutDependencies give the stack order', () => {
    expect(rolloutWaves(plan)).toEqual(plan.waves);
    expect(MultiRegion.rolloutDependencies(plan, configs)).toEqual(rolloutDependencies(plan, configs));
    expect(MultiRegion.rolloutDependencies(plan, configs)).toEqual([
      { stack: 'Production-ap-southeast-2', dependsOn: [] },
      { stack: 'Production-eu-west-1', dependsOn: ['Production-ap-southeast-2'] },
      { stack: 'Prod-Virginia', dependsOn: ['Production-eu-west-1'] },
    ]);
  });

  test('nightlySchedules gives each wave its slot and refuses a night longer than a day', () => {
    expect(MultiRegion.nightlySchedules(plan, { slotMinutes: 90 })).toEqual(nightlySchedules(plan, { slotMinutes: 90 }));
    expect(MultiRegion.nightlySchedules(plan, { slotMinutes: 90, startMinuteUtc: 30 })).toEqual({
      'ap-southeast-2': { hour: '0', minute: '30' }, 'eu-west-1': { hour: '2', minute: '0' }, 'us-east-1': { hour: '3', minute: '30' },
    });
    expect(() => MultiRegion.nightlySchedules(plan, { slotMinutes: 600 })).toThrow(/3 waves of 600 minutes take more than a day/);
  });

  test('applyRolloutOrder makes each wave depend on the wave before, as the function does', () => {
    const stacksOf = () => {
      const app = new App();
      return Object.fromEntries(configs.map((c) => [c.name, new Stack(app, MultiRegion.regionStackId(configs, c.name))]));
    };
    const viaClass = stacksOf();
    const viaFunction = stacksOf();
    MultiRegion.applyRolloutOrder(plan, viaClass);
    applyRolloutOrder(plan, viaFunction);
    const deps = (stacks: Record<string, Stack>) => Object.fromEntries(Object.entries(stacks).map(([r, s]) => [r, s.dependencies.map((d) => d.stackName)]));
    expect(deps(viaClass)).toEqual(deps(viaFunction));
    expect(deps(viaClass)).toEqual({ 'eu-west-1': ['Production-ap-southeast-2'], 'us-east-1': ['Production-eu-west-1'], 'ap-southeast-2': [] });
    const { 'us-east-1': _dropped, ...missing } = stacksOf();
    expect(() => MultiRegion.applyRolloutOrder(plan, missing)).toThrow(/no stack for region 'us-east-1'/);
  });
});
