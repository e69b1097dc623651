import { deploymentOf, extraHostEntries, linuxOf, loggingOf, processSettingsOf, resourcesOf } from '../../lib/compose/translate-container';
import { contextOf, messages } from './translate-support';

const svc = (body: string) => contextOf(`services:\n  web:\n    image: x\n${body}`);

describe('resourcesOf', () => {
  test('deploy.resources.reservations.devices with the gpu capability reserve that many GPUs', () => {
    const ctx = svc('    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n              count: 2\n');
    expect(resourcesOf(ctx).gpuCount).toBe(2);
    expect(ctx.warnings).toEqual([]);
  });

  test('generic_resources of kind gpu and the gpus key reserve GPUs too', () => {
    expect(resourcesOf(svc('    deploy:\n      resources:\n        reservations:\n          generic_resources:\n            - discrete_resource_spec: {kind: NVIDIA-GPU, value: 1}\n')).gpuCount).toBe(1);
    expect(resourcesOf(svc('    gpus:\n      - count: 3\n')).gpuCount).toBe(3);
  });

  test('count: all reserves one GPU with a warning saying why', () => {
    const ctx = svc('    gpus: all\n');
    expect(resourcesOf(ctx).gpuCount).toBe(1);
    expect(messages(ctx)).toEqual([expect.stringMatching(/gpus: count all reserves one GPU: ECS reserves GPUs by number/)]);
  });

  test('devices without the gpu capability are warned, not reserved', () => {
    const ctx = svc('    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [tpu]\n');
    expect(resourcesOf(ctx).gpuCount).toBeUndefined();
    expect(messages(ctx)).toEqual([expect.stringMatching(/capabilities tpu is not reserved: ECS reserves only GPUs/)]);
  });
});

describe('deploymentOf', () => {
  test('update_config stop-first (the Compose default) with parallelism 1 of 4 replicas keeps 75 % and never exceeds 100 %', () => {
    const ctx = svc('    deploy:\n      replicas: 4\n      update_config: {parallelism: 1}\n');
    expect(deploymentOf(ctx, 4)).toEqual({ minHealthyPercent: 75, maxHealthyPercent: 100, rollbackOnFailure: false });
  });

  test('mode global is the DAEMON strategy: no percentages (a task per instance, replaced in place), nothing warned', () => {
    const ctx = svc('    deploy:\n      mode: global\n');
    expect(deploymentOf(ctx, 1)).toEqual({ global: true });
    expect(ctx.warnings).toEqual([]);
  });

  test('mode global keeps failure_action rollback and warns replicas, scale, order and parallelism', () => {
    const ctx = svc('    scale: 2\n    deploy:\n      mode: global\n      replicas: 3\n      update_config: {parallelism: 2, order: start-first, failure_action: rollback}\n');
    expect(deploymentOf(ctx, 3)).toEqual({ global: true, rollbackOnFailure: true });
    expect(messages(ctx)).toEqual([
      expect.stringMatching(/replicas is ignored: mode global runs one task on every instance/),
      expect.stringMatching(/deploy.mode global runs one task on every instance/),
      expect.stringMatching(/update_config parallelism, order ignored: with mode global/),
    ]);
  });

  test('modes ECS has no service for (jobs) are warned and run replicated; replicated is silent', () => {
    const job = svc('    deploy:\n      mode: replicated-job\n');
    expect(deploymentOf(job, 1)).toEqual({});
    expect(messages(job)).toEqual([expect.stringMatching(/mode is ignored: 'replicated-job' is not an ECS service/)]);
    const replicated = svc('    deploy:\n      mode: replicated\n');
    deploymentOf(replicated, 1);
    expect(replicated.warnings).toEqual([]);
  });

  test('update_config start-first starts a batch of new tasks before stopping old ones', () => {
    expect(deploymentOf(svc('    deploy:\n      update_config: {parallelism: 2, order: start-first}\n'), 4)).toEqual({ minHealthyPercent: 100, maxHealthyPercent: 150, rollbackOnFailure: false });
  });

  test('failure_action rollback turns on the circuit breaker rollback', () => {
    expect(deploymentOf(svc('    deploy:\n      update_config: {failure_action: rollback}\n'), 1).rollbackOnFailure).toBe(true);
  });

  test('failure_action continue, delay and monitor are warned with the reason', () => {
    const ctx = svc('    deploy:\n      update_config: {failure_action: continue, delay: 10s, monitor: 30s}\n');
    deploymentOf(ctx, 1);
    expect(messages(ctx)).toEqual([
      expect.stringMatching(/update_config delay, monitor ignored: ECS replaces tasks as fast as they become healthy/),
      expect.stringMatching(/failure_action continue becomes pause: the ECS circuit breaker stops a failing deployment/),
    ]);
  });

  test('restart_policy condition any is what ECS does; other conditions and limits are warned', () => {
    const quiet = svc('    deploy:\n      restart_policy: {condition: any}\n');
    expect(deploymentOf(quiet, 1)).toEqual({});
    expect(quiet.warnings).toEqual([]);
    const loud = svc('    deploy:\n      restart_policy: {condition: on-failure, max_attempts: 3}\n');
    deploymentOf(loud, 1);
    expect(messages(loud)).toEqual([
      expect.stringMatching(/restart_policy.condition on-failure becomes any/),
      expect.stringMatching(/restart_policy max_attempts ignored/),
    ]);
  });
});

describe('processSettingsOf', () => {
  test('extra_hosts host=ip1,ip2 gives the host both addresses', () => {
    expect(processSettingsOf(svc('    extra_hosts: ["myhost=0.0.0.1,0.0.0.2", "other:10.0.0.1"]\n')).extraHosts).toEqual([
      { hostname: 'myhost', ipAddress: '0.0.0.1' }, { hostname: 'myhost', ipAddress: '0.0.0.2' }, { hostname: 'other', ipAddress: '10.0.0.1' },
    ]);
  });

  test('extra_hosts entries keep IPv6 addresses whole', () => {
    expect(extraHostEntries(['v6=[::1]', 'v6b:::1'])).toEqual([['v6', '::1'], ['v6b', '::1']]);
    expect(extraHostEntries({ a: ['1.1.1.1', '2.2.2.2'] })).toEqual([['a', '1.1.1.1'], ['a', '2.2.2.2']]);
  });

  test('a sysctl without a value is an error at its position', () => {
    expect(() => processSettingsOf(svc('    sysctls: [net.core.somaxconn]\n'))).toThrow(/compose\.yaml:4:15: service 'web': sysctl 'net.core.somaxconn' has no value/);
  });
});

describe('linuxOf', () => {
  test('tmpfs paths become tmpfs mounts sized by their size option, else by the memory limit', () => {
    const ctx = svc('    tmpfs: ["/run:size=64m,noexec,mode=1777", /tmp]\n');
    expect(linuxOf(ctx, 256).tmpfs).toEqual([
      { containerPath: '/run', sizeMiB: 64, mountOptions: ['noexec'] },
      { containerPath: '/tmp', sizeMiB: 256, mountOptions: [] },
    ]);
    expect(ctx.warnings).toEqual([]);
  });

  test('tmpfs options with values ECS cannot pass are warned with the API reason', () => {
    const ctx = svc('    tmpfs: /run:uid=1000\n');
    expect(linuxOf(ctx, undefined).tmpfs).toEqual([{ containerPath: '/run', sizeMiB: 512, mountOptions: [] }]);
    expect(messages(ctx)).toEqual([expect.stringMatching(/tmpfs: \/run: option\(s\) uid=1000 not passed: ECS accepts tmpfs options by name only/)]);
  });

  test('volumes of type tmpfs become tmpfs mounts', () => {
    expect(linuxOf(svc('    volumes:\n      - type: tmpfs\n        target: /cache\n        tmpfs: {size: 10485760}\n'), 512).tmpfs)
      .toEqual([{ containerPath: '/cache', sizeMiB: 10, mountOptions: [] }]);
  });

  test('memswap_limit is memory plus swap: the swap part becomes maxSwap, with the swappiness', () => {
    expect(linuxOf(svc('    mem_limit: 512m\n    memswap_limit: 1g\n    mem_swappiness: 10\n'), 512)).toMatchObject({ maxSwapMiB: 512, swappiness: 10 });
    expect(linuxOf(svc('    memswap_limit: 512m\n'), 512).maxSwapMiB).toBe(0);
  });

  test('memswap_limit below the memory limit is an error; mem_swappiness alone is warned (ECS applies it only with a swap limit)', () => {
    expect(() => linuxOf(svc('    memswap_limit: 100m\n'), 512)).toThrow(/memswap_limit \(100 MiB\) is below the memory limit \(512 MiB\)/);
    const ctx = svc('    mem_swappiness: 0\n');
    expect(linuxOf(ctx, 512).swappiness).toBeUndefined();
    expect(messages(ctx)).toEqual([expect.stringMatching(/mem_swappiness: ECS applies swappiness only together with a swap limit/)]);
  });

  test('devices map host paths with their permissions; CDI names are warned', () => {
    const ctx = svc('    devices: ["/dev/ttyUSB0:/dev/ttyS0:rw", "/dev/fuse", "nvidia.com/gpu=all"]\n');
    expect(linuxOf(ctx, 512).devices).toEqual([
      { hostPath: '/dev/ttyUSB0', containerPath: '/dev/ttyS0', permissions: ['read', 'write'] },
      { hostPath: '/dev/fuse', containerPath: undefined, permissions: undefined },
    ]);
    expect(messages(ctx)).toEqual([expect.stringMatching(/devices: 'nvidia.com\/gpu=all' is not mapped/)]);
  });
});

describe('loggingOf', () => {
  test('drivers ECS accepts on EC2 keep their options', () => {
    expect(loggingOf(svc('    logging:\n      driver: syslog\n      options: {syslog-address: "udp://10.0.0.9:514", tag: web}\n')))
      .toEqual({ driver: 'syslog', options: { 'syslog-address': 'udp://10.0.0.9:514', 'tag': 'web' } });
    expect(loggingOf(svc('    logging:\n      driver: fluentd\n'))).toEqual({ driver: 'fluentd', options: {} });
  });

  test('awslogs without options is the default; awslogs options keep the service log group, destination ones are replaced', () => {
    expect(loggingOf(svc('    logging:\n      driver: awslogs\n'))).toBeUndefined();
    const ctx = svc('    logging:\n      driver: awslogs\n      options: {awslogs-multiline-pattern: "^INFO", awslogs-create-group: "true"}\n');
    expect(loggingOf(ctx)).toEqual({ driver: 'awslogs', options: { 'awslogs-multiline-pattern': '^INFO' } });
    expect(messages(ctx)).toEqual([expect.stringMatching(/awslogs option\(s\) awslogs-create-group replaced: logs go to the service's own log group/)]);
  });

  test('the options that shape records are kept without a warning (the default driver is awslogs)', () => {
    const ctx = svc('    logging:\n      options:\n        awslogs-datetime-format: "%Y-%m-%d %H:%M:%S"\n        awslogs-multiline-pattern: "^\\\\["\n        mode: non-blocking\n        max-buffer-size: 4m\n');
    expect(loggingOf(ctx)).toEqual({ driver: 'awslogs', options: {
      'awslogs-datetime-format': '%Y-%m-%d %H:%M:%S', 'awslogs-multiline-pattern': '^\\[', 'mode': 'non-blocking', 'max-buffer-size': '4m',
    } });
    expect(ctx.warnings).toEqual([]);
  });

  test('another environment\'s log group, region, stream prefix or endpoint are never passed (the library\'s own are used)', () => {
    const ctx = svc('    logging:\n      driver: awslogs\n      options:\n        awslogs-group: Prod/app\n        awslogs-region: us-east-1\n        awslogs-stream-prefix: x\n'
      + '        awslogs-endpoint: https://evil.example\n        mode: non-blocking\n');
    expect(loggingOf(ctx)).toEqual({ driver: 'awslogs', options: { mode: 'non-blocking' } });
    expect(messages(ctx)).toEqual([expect.stringMatching(/awslogs-group, awslogs-region, awslogs-stream-prefix, awslogs-endpoint replaced/)]);
  });

  test('a group alone is replaced: nothing is left, so the default awslogs configuration is used', () => {
    const ctx = svc('    logging:\n      driver: awslogs\n      options: {awslogs-group: Prod/app}\n');
    expect(loggingOf(ctx)).toBeUndefined();
    expect(messages(ctx)).toEqual([expect.stringMatching(/awslogs-group replaced/)]);
  });

  test('options ECS does not take, a bad mode and a bad size are warned; a size below 1 MiB becomes 1 MiB', () => {
    const ctx = svc('    logging:\n      options: {tag: web, mode: fast, max-buffer-size: lots}\n');
    expect(loggingOf(ctx)).toBeUndefined();
    expect(messages(ctx)).toEqual([
      expect.stringMatching(/awslogs option\(s\) tag not passed/),
      expect.stringMatching(/mode 'fast' is not a mode/),
      expect.stringMatching(/max-buffer-size 'lots' is not a size/),
    ]);
    const small = svc('    logging:\n      options: {mode: non-blocking, max-buffer-size: 512k}\n');
    expect(loggingOf(small)?.options['max-buffer-size']).toBe('1m');
    expect(small.warnings).toEqual([]);
  });

  test('max-buffer-size without non-blocking mode is warned: Docker ignores it', () => {
    const ctx = svc('    logging:\n      options: {max-buffer-size: 4m}\n');
    expect(loggingOf(ctx)?.options).toEqual({ 'max-buffer-size': '4m' });
    expect(messages(ctx)).toEqual([expect.stringMatching(/no effect without mode non-blocking/)]);
  });

  test('a driver ECS does not accept (local, none) is warned and CloudWatch Logs used', () => {
    const ctx = svc('    logging:\n      driver: local\n');
    expect(loggingOf(ctx)).toBeUndefined();
    expect(messages(ctx)).toEqual([expect.stringMatching(/driver local is not available on ECS/)]);
  });
});
