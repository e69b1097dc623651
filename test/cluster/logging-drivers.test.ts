import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  AGENT_LOGGING_DRIVERS, EC2_LOG_DRIVERS, ECS_CONFIG_FILE, loggingDriversConfigLine, loggingDriversUserDataCommand,
} from '../../lib/cluster/logging-drivers';

describe('the log drivers the instances advertise', () => {
  test('are the drivers ECS accepts on EC2 (CloudFormation LogConfiguration.LogDriver) but awsfirelens, which the agent advertises itself', () => {
    const accepted = ['json-file', 'syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'awsfirelens'];
    expect([...EC2_LOG_DRIVERS].sort()).toEqual(accepted.filter((d) => d !== 'awsfirelens').sort());
  });

  test('keep everything ecs-init advertises when ecs.config is silent, so the line never takes a driver away', () => {
    const ecsInitDefault = ['json-file', 'syslog', 'awslogs', 'fluentd', 'none'];
    expect(AGENT_LOGGING_DRIVERS).toEqual(expect.arrayContaining(ecsInitDefault));
    expect(new Set(AGENT_LOGGING_DRIVERS).size).toBe(AGENT_LOGGING_DRIVERS.length);
  });

  test('are written as the JSON array the agent parses', () => {
    expect(loggingDriversConfigLine()).toBe('ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","journald","gelf","fluentd","awslogs","splunk","none"]');
  });

  test('survive the shell: the user data command writes a line ecs-init reads back as the same array', () => {
    expect(AGENT_LOGGING_DRIVERS.every((d) => /^[a-z][a-z-]*$/.test(d))).toBe(true);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-config-'));
    try {
      const file = path.join(dir, 'ecs.config');
      fs.writeFileSync(file, 'ECS_CLUSTER=example\n');
      execFileSync('bash', ['-c', loggingDriversUserDataCommand().replace(ECS_CONFIG_FILE, file)]);
      // ecs-init: one KEY=VALUE per line, split at the first '=', the value taken literally; a later line wins.
      const config = new Map(fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => {
        const at = l.indexOf('=');
        return [l.slice(0, at), l.slice(at + 1)] as [string, string];
      }));
      expect(config.get('ECS_CLUSTER')).toBe('example');
      expect(JSON.parse(config.get('ECS_AVAILABLE_LOGGING_DRIVERS')!)).toEqual(AGENT_LOGGING_DRIVERS);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
