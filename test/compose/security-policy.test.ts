import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { imageReferenceProblem } from '../../lib/compose/image-reference';
import { ComposeFileError, loadCompose } from '../../lib/compose/load';
import {
  BASELINE_CAPABILITIES, checkComposePolicy, ComposeSecurityPolicy, isNamespacedSysctl, isUnconfinedSecurityOpt, notableHostPath, PolicyOptions, PolicyReport, realLocation,
} from '../../lib/compose/security-policy';
import { translateCompose } from '../../lib/compose/translate';
import * as fc from 'fast-check';

/**
 * The compose security policy, each refusal with a compliant and a non-compliant case. Files live in a real temp
 * folder (`project/` inside it, with `outside/` beside it) because containment is judged after symbolic links.
 */
let root: string;
let project: string;
let outside: string;

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'compose-policy-')));
  project = path.join(root, 'project');
  outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(project, 'app'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(project, 'app.env'), 'A=1\n');
  fs.writeFileSync(path.join(project, 'app', 'Dockerfile'), 'FROM scratch\n');
  fs.writeFileSync(path.join(outside, 'credentials'), 'aws_secret_access_key=SECRET\n');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function check(yaml: string, options: Partial<PolicyOptions> = {}): PolicyReport {
  const loaded = loadCompose(yaml, { file: 'compose.yaml', lookup: () => undefined });
  return checkComposePolicy(loaded, {
    policy: ComposeSecurityPolicy.BASELINE, baseDir: project, hostRoot: '/opt/compose/shop', externalNamePrefix: 'Qa-feature', ...options,
  });
}
const trusted = { policy: ComposeSecurityPolicy.TRUSTED };
/** A file with one service `web` whose keys follow (indented by four spaces). */
const web = (keys: string) => `services:\n  web:\n    image: nginx\n${keys}`;
const FIX = /Fix|TRUSTED/;

describe('files the compose file names stay inside the project folder (both policies)', () => {
  test('env_file: a file of the project is read; an absolute path, ../ or /proc/self/environ is refused at its line and column', () => {
    expect(() => check(web('    env_file: app.env\n'))).not.toThrow();
    expect(() => check(web('    env_file: [{path: ./app.env, required: true}]\n'))).not.toThrow();
    expect(() => check(web(`    env_file: ${outside}/credentials\n`))).toThrow(/^compose\.yaml:4:15: service web: env_file '.*\/outside\/credentials' is outside the project folder/);
    expect(() => check(web('    env_file: /proc/self/environ\n'))).toThrow(/compose\.yaml:4:15: service web: env_file '\/proc\/self\/environ' is outside the project folder/);
    expect(() => check(web('    env_file: ../../../../../../etc/passwd\n'), trusted)).toThrow(/env_file '..\/..\/..\/..\/..\/..\/etc\/passwd' is outside/);
    expect(() => check(web('    env_file:\n      - app.env\n      - path: /root/.aws/credentials\n        required: false\n')))
      .toThrow(/compose\.yaml:6:15: service web: env_file '\/root\/.aws\/credentials'/);
  });

  test('a symbolic link inside the project that leads out of it counts as outside, for files and for missing files under a linked folder', () => {
    fs.symlinkSync(path.join(outside, 'credentials'), path.join(project, 'creds.env'));
    fs.symlinkSync(outside, path.join(project, 'linked'));
    expect(() => check(web('    env_file: creds.env\n'))).toThrow(/env_file 'creds\.env' is outside the project folder .* \(.*\/project\/creds\.env leads to .*\/outside\/credentials\)/);
    expect(() => check(web('    env_file: [{path: linked/missing.env, required: false}]\n'))).toThrow(/leads to .*\/outside\/missing\.env/);
    expect(realLocation(path.join(project, 'linked', 'a', 'b'))).toBe(path.join(outside, 'a', 'b'));
    // A link that stays inside is fine.
    fs.symlinkSync(path.join(project, 'app.env'), path.join(project, 'same.env'));
    expect(() => check(web('    env_file: same.env\n'))).not.toThrow();
  });

  test('configs and secrets files: inside is fine; outside, or a sealed copy linked out, is refused', () => {
    fs.writeFileSync(path.join(project, 'nginx.conf'), 'events {}\n');
    expect(() => check('services:\n  web:\n    image: nginx\nconfigs:\n  c:\n    file: ./nginx.conf\nsecrets:\n  s:\n    file: ./app.env\n')).not.toThrow();
    expect(() => check('services:\n  web:\n    image: nginx\nconfigs:\n  key:\n    file: ~/../../root/.ssh/id_ed25519\n  x:\n    file: /etc/hostname\n'))
      .toThrow(/compose\.yaml:6:11: config key's file '~\/\.\.\/\.\.\/root\/\.ssh\/id_ed25519' is outside the project folder .*also refused: 8:11 config x's file '\/etc\/hostname'/);
    expect(() => check(`services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    file: ${outside}/credentials\n`, trusted))
      .toThrow(/compose\.yaml:6:11: secret s's file '.*' is outside the project folder/);
    fs.symlinkSync(path.join(outside, 'sealed.json'), path.join(project, 'app.env.sealed.json'));
    expect(() => check('services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    file: ./app.env\n'))
      .toThrow(/secret s's sealed copy \.\/app\.env\.sealed\.json leads outside the project folder/);
  });

  test('build: a context and Dockerfile of the project are fine; /home/ci, .. and a Dockerfile outside are refused', () => {
    expect(() => check('services:\n  web:\n    build: ./app\n')).not.toThrow();
    expect(() => check('services:\n  web:\n    build: /home/ci\n')).toThrow(/compose\.yaml:3:12: service web: build context '\/home\/ci' is outside the project folder/);
    expect(() => check('services:\n  web:\n    build:\n      context: ..\n')).toThrow(/compose\.yaml:4:16: service web: build context '\.\.' is outside/);
    expect(() => check('services:\n  web:\n    build:\n      context: app\n      dockerfile: ../../outside/Dockerfile\n'))
      .toThrow(/compose\.yaml:5:19: service web: build\.dockerfile '\.\.\/\.\.\/outside\/Dockerfile' is outside/);
    // A service whose image the caller provides never reads its build.
    expect(() => check('services:\n  web:\n    build: /home/ci\n', { imageOverrides: new Set(['web']) })).not.toThrow();
  });

  test('a build context holding a symbolic link out of the project is refused; one to a project file outside the context is reported for copying', () => {
    fs.symlinkSync(path.join(project, 'app.env'), path.join(project, 'app', 'shared.env'));
    expect(check('services:\n  web:\n    build: ./app\n').contextsWithOutwardLinks).toEqual(new Set([path.join(project, 'app')]));
    fs.symlinkSync(path.join(outside, 'credentials'), path.join(project, 'app', 'creds'));
    expect(() => check('services:\n  web:\n    build: ./app\n', trusted))
      .toThrow(/compose\.yaml:3:12: service web: build context '\.\/app' holds the symbolic link app\/creds, which leads outside the project folder .*cdk\.out/);
  });

  test('a linked folder outside the context is checked too: a link in it that leads out of the project is refused', () => {
    fs.mkdirSync(path.join(project, 'shared'));
    fs.writeFileSync(path.join(project, 'shared', 'ok.txt'), 'ok');
    fs.symlinkSync(path.join(project, 'shared'), path.join(project, 'app', 'shared'));
    expect(check('services:\n  web:\n    build: ./app\n').contextsWithOutwardLinks.size).toBe(1);
    fs.symlinkSync(path.join(outside, 'credentials'), path.join(project, 'shared', 'creds'));
    expect(() => check('services:\n  web:\n    build: ./app\n')).toThrow(/holds the symbolic link shared\/creds, which leads outside the project folder/);
  });

  test('projectDirectory widens the folder: a monorepo file may name ../shared', () => {
    fs.mkdirSync(path.join(root, 'shared'));
    fs.writeFileSync(path.join(root, 'shared', 'common.env'), 'B=2\n');
    const yaml = web('    env_file: ../shared/common.env\n    volumes: ["../shared/data:/data"]\n');
    expect(() => check(yaml)).toThrow(/env_file '\.\.\/shared\/common\.env' is outside/);
    expect(() => check(yaml, { projectDirectory: root })).not.toThrow();
  });

  test('relative bind mounts may not climb out of the project (on the instances they would reach other projects or the host)', () => {
    expect(() => check(web('    volumes: ["./logs:/logs", "~/cache:/cache"]\n'))).not.toThrow();
    expect(() => check(web('    volumes: ["../../../etc:/host-etc"]\n'), trusted)).toThrow(/compose\.yaml:4:15: service web: bind mount source '\.\.\/\.\.\/\.\.\/etc' climbs out of the project folder/);
    expect(() => check(web('    volumes:\n      - type: bind\n        source: ../other\n        target: /x\n'))).toThrow(/compose\.yaml:6:17: .*'\.\.\/other' climbs out/);
  });

  // Review r1: the check skipped `~` and drive-letter sources, which the translation joined onto the host folder and
  // normalised, so `~/../../../..` became a bind of `/`. They are relative sources now, judged on their host path.
  test.each([
    ['~/../../../..:/host', '/'], ['C:/../../../..:/host', '/'], ['c:\\..\\..\\..\\..:/host', '/'], ['~/../../../../var/run:/s', '/var/run'],
    ['~/../../other:/x', '/opt/compose/other'], ['./a/../../b:/x', '/opt/compose/b'],
  ])('the relative source %s is refused under both policies (on the instance it would be %s)', (entry, hostPath) => {
    const yaml = web(`    volumes: ['${entry}']\n`);
    const refused = new RegExp(`compose\\.yaml:4:15: service web: bind mount source .* climbs out of the project folder: on the instances it would be ${hostPath.replace(/\//g, '\\/')}( and reaches [^,]*)?, outside`);
    expect(() => check(yaml)).toThrow(refused);
    expect(() => check(yaml, trusted)).toThrow(refused);
  });

  test('long syntax: a ~ source climbing out is refused at its source; ~, drive letters and .. that stay inside are fine', () => {
    expect(() => check(web('    volumes:\n      - type: bind\n        source: "~/../../../../var/run"\n        target: /s\n')))
      .toThrow(/compose\.yaml:6:17: service web: bind mount source '~\/\.\.\/\.\.\/\.\.\/\.\.\/var\/run' climbs out .* would be \/var\/run and reaches the Docker socket/);
    expect(() => check(web('    volumes: ["~/cache:/c", "C:/data:/d", "c:\\\\x:/x", "./a/../b:/b", "~/..:/h"]\n'))).not.toThrow();
  });
});

describe('host-level settings are refused under BASELINE and honoured under TRUSTED', () => {
  test('privileged', () => {
    expect(() => check(web('    privileged: false\n'))).not.toThrow();
    expect(() => check(web('    privileged: true\n'))).toThrow(/compose\.yaml:4:17: service web: 'privileged: true' gives the container every capability/);
    expect(() => check(web('    privileged: true\n'), trusted)).not.toThrow();
  });

  test.each(['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'cap_sys_time', 'BPF'])('cap_add %s is refused', (cap) => {
    expect(() => check(web(`    cap_add: [CHOWN, ${cap}]\n`))).toThrow(new RegExp(`compose\\.yaml:4:22: service web: cap_add '${cap}' is beyond the baseline capabilities`));
    expect(() => check(web(`    cap_add: [${cap}]\n`), trusted)).not.toThrow();
  });

  test('cap_add of the baseline capabilities (any spelling) and cap_drop of anything are fine', () => {
    expect(() => check(web(`    cap_add: [${BASELINE_CAPABILITIES.join(', ')}, cap_net_bind_service]\n    cap_drop: [ALL]\n`))).not.toThrow();
  });

  test('devices and device_cgroup_rules; GPUs reserved through deploy are fine', () => {
    expect(() => check(web('    devices: ["/dev/xvda:/dev/xvda:rwm"]\n'))).toThrow(/compose\.yaml:4:15: service web: devices map host devices/);
    expect(() => check(web('    device_cgroup_rules: ["b 202:* rmw"]\n'))).toThrow(/compose\.yaml:4:5: service web: device_cgroup_rules/);
    expect(() => check(web('    deploy:\n      resources:\n        reservations:\n          devices: [{capabilities: [gpu], count: 1}]\n'))).not.toThrow();
    expect(() => check(web('    devices: ["/dev/fuse"]\n'), trusted)).not.toThrow();
  });

  test('sysctls: namespaced ones are fine, kernel.core_pattern and vm.* are refused (list and map forms)', () => {
    expect(() => check(web('    sysctls: [net.core.somaxconn=1024, net.ipv4.ip_forward=1, kernel.shmmax=1000, kernel.sem=1 2 3 4, fs.mqueue.msg_max=20]\n'))).not.toThrow();
    expect(() => check(web('    sysctls: ["kernel.core_pattern=|/tmp/x"]\n'))).toThrow(/compose\.yaml:4:15: service web: sysctl 'kernel\.core_pattern' is not namespaced/);
    expect(() => check(web('    sysctls:\n      net.core.somaxconn: 1024\n      vm.overcommit_memory: 1\n'))).toThrow(/compose\.yaml:6:7: service web: sysctl 'vm\.overcommit_memory'/);
    expect(() => check(web('    sysctls: ["kernel.core_pattern=|/tmp/x"]\n'), trusted)).not.toThrow();
    expect(isNamespacedSysctl('kernel.shm_rmid_forced')).toBe(true);
    expect(isNamespacedSysctl('kernel.shmmaxx')).toBe(false);
    expect(isNamespacedSysctl('fs.file-max')).toBe(false);
  });

  test.each(['network_mode', 'pid', 'ipc', 'userns_mode', 'cgroup', 'uts'])('%s: host is refused', (key) => {
    expect(() => check(web(`    ${key}: host\n`))).toThrow(new RegExp(`compose\\.yaml:4:${key.length + 7}: service web: '${key}: host' shares the instance's`));
    expect(() => check(web(`    ${key}: host\n`), trusted)).not.toThrow();
  });

  test('network_mode bridge, pid and ipc of another service are fine', () => {
    expect(() => check(web('    network_mode: bridge\n    pid: "service:db"\n    ipc: private\n'))).not.toThrow();
  });

  test('security_opt that unconfines is refused, in both spellings; other options are fine', () => {
    for (const opt of ['seccomp:unconfined', 'seccomp=unconfined', 'apparmor=unconfined', 'label:disable', 'label=disable', 'systempaths=unconfined']) {
      expect(() => check(web(`    security_opt: ["${opt}"]\n`))).toThrow(new RegExp(`compose\\.yaml:4:20: service web: security_opt '${opt}' switches a confinement`));
      expect(isUnconfinedSecurityOpt(opt)).toBe(true);
    }
    expect(() => check(web('    security_opt: ["no-new-privileges:true", "label:user:USER"]\n'))).not.toThrow();
  });

  test('use_api_socket', () => {
    expect(() => check(web('    use_api_socket: true\n'))).toThrow(/compose\.yaml:4:21: service web: 'use_api_socket: true' gives the container the Docker API/);
    expect(() => check(web('    use_api_socket: false\n'))).not.toThrow();
  });

  // Review r1: the denylist missed /var/lib/cloud (cloud-init's per-boot scripts run as root), /var/lib/amazon,
  // /var/spool and /opt/aws; BASELINE now allows absolute sources only under the project's own host folder.
  test.each([
    '/', '/var/run/docker.sock', '/run/docker.sock', '//var/run/docker.sock', '/var/run/', '/var', '/etc', '/etc/passwd', '/srv/../etc',
    '/proc', '/sys/fs/cgroup', '/root', '/home/ci', '/var/lib/docker', '/var/lib/ecs/data', '/dev', '/boot', '/usr/src', '/lib/modules',
    '/opt/compose/other-branch/data', '/opt/compose', '/opt', '/var/lib/cloud', '/var/lib/cloud/scripts/per-boot', '/var/lib/amazon', '/var/spool', '/opt/aws',
    '/srv/media', '/tmp/cache', '/data', '/mnt/scratch', '/var/cache/app', '/opt/compose/shopx', '/opt/compose/shop/../other',
  ])('a bind mount of the host path %s is refused', (source) => {
    expect(() => check(web(`    volumes: ["${source}:/host"]\n`))).toThrow(/compose\.yaml:4:15: service web: bind mount of the host path .* is outside the project's host folder \/opt\/compose\/shop/);
    expect(() => check(web(`    volumes:\n      - type: bind\n        source: ${source}\n        target: /host\n`))).toThrow(/compose\.yaml:6:17:/);
    expect(() => check(web(`    volumes: ["${source}:/host"]\n`), trusted)).not.toThrow();
  });

  test.each(['/opt/compose/shop', '/opt/compose/shop/', '/opt/compose/shop/data', '/opt/compose/shop/a/../b'])('a bind mount of the host path %s (the project\'s own folder) is fine', (source) => {
    expect(() => check(web(`    volumes: ["${source}:/host"]\n`))).not.toThrow();
  });

  test('the Docker socket and cloud-init\'s folder are named as such', () => {
    expect(notableHostPath('/var/run/docker.sock')).toBe('/var/run/docker.sock');
    expect(notableHostPath('/srv/media')).toBeUndefined();
    expect(() => check(web('    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]\n'))).toThrow(/reaches the Docker socket/);
    expect(() => check(web('    volumes: ["/var/lib/cloud/scripts/per-boot:/b"]\n'))).toThrow(/reaches \/var\/lib\/cloud/);
  });

  // Review r1 also tried these; each was already refused and stays so.
  test.each([
    ['merge key', 'x-d: &d {privileged: true}\nservices:\n  web:\n    <<: *d\n    image: nginx\n'],
    ['merge list', 'x-d: &d {cap_add: [SYS_ADMIN]}\nservices:\n  web:\n    <<: [*d]\n    image: nginx\n'],
    ['privileged "True"', web('    privileged: "True"\n')],
    ['privileged "yes"', web('    privileged: "yes"\n')],
    ['cap lower case', web('    cap_add: [cap_sys_admin]\n')],
    ['cap all', web('    cap_add: [all]\n')],
    ['sysctl list', web('    sysctls: ["kernel.core_pattern=|/x"]\n')],
    ['network HOST', web('    network_mode: HOST\n')],
    ['seccomp=', web('    security_opt: ["seccomp=unconfined"]\n')],
    ['long bind of the socket', web('    volumes: [{type: bind, source: /var/run/docker.sock, target: /s}]\n')],
    ['double slash', web('    volumes: ["//etc:/e"]\n')],
    ['dot segments', web('    volumes: ["/opt/compose/shop/../../../etc:/e"]\n')],
    ['devices long', web('    devices: [{source: /dev/sda, target: /dev/sda}]\n')],
    ['external secret ..', 'services:\n  web:\n    image: nginx\n    secrets: [s]\nsecrets:\n  s:\n    external: true\n    name: Qa-feature/../Qa-y/db\n'],
    ['external secret ARN', 'services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    external: {name: "arn:aws:secretsmanager:eu-west-1:1:secret:Qa-feature/a"}\n'],
    ['external secret of a sibling prefix', 'services:\n  web:\n    image: nginx\nsecrets:\n  s:\n    external: true\n    name: Qa-featurey/a\n'],
    ['external config', 'services:\n  web:\n    image: nginx\nconfigs:\n  c:\n    external: true\n    name: /Qa-feature/../prod/c\n'],
    ['duplicate key', web('    privileged: false\n    privileged: true\n')],
  ])('%s is refused', (_, yaml) => {
    expect(() => check(yaml)).toThrow(ComposeFileError);
  });

  test('every refusal of a file is listed in file order, the first one at the error position', () => {
    expect(() => check(web('    volumes: ["/:/host"]\n    privileged: true\n    cap_add: [SYS_ADMIN]\n')))
      .toThrow(/^compose\.yaml:4:15: service web: bind mount of the host path '\/' is outside .* and reaches the whole instance.*\(also refused: 5:17 service web: privileged; 6:15 service web: cap_add 'SYS_ADMIN'\)$/);
  });
});

describe('Fargate capacity is refused under BASELINE and honoured under TRUSTED', () => {
  const attack = (capacity: string) => web(`    deploy:\n      replicas: 2000\n      resources: {limits: {cpus: '16', memory: 120G}}\n    x-fleet: {capacity: ${capacity}}\n`);

  test.each(['fargate', 'fargate-spot'])('x-fleet.capacity %s: 2000 replicas of 16 vCPU / 120 GiB have no bound a branch cannot raise', (capacity) => {
    let error: ComposeFileError | undefined;
    try {
      check(attack(capacity));
    } catch (e) {
      error = e as ComposeFileError;
    }
    expect(error).toBeInstanceOf(ComposeFileError);
    expect(error!.message).toMatch(new RegExp(`^compose\\.yaml:7:25: service web: x-fleet\\.capacity ${capacity} runs the service on Fargate, which has no capacity bound a branch cannot raise`));
    expect(error!.fix).toMatch(/leave x-fleet\.capacity out .*set securityPolicy: ComposeSecurityPolicy\.TRUSTED in the project's trusted code/);
    expect(() => check(attack(capacity), trusted)).not.toThrow();
  });

  test('the cluster\'s instances (ec2, or no capacity) pass under BASELINE', () => {
    expect(() => check(attack('ec2'))).not.toThrow();
    expect(() => check(web('    x-fleet: {routes: [{path: /*}]}\n'))).not.toThrow();
  });

  test('the translation refuses it before anything else under BASELINE, and runs it on Fargate under TRUSTED', () => {
    const translate = (securityPolicy: ComposeSecurityPolicy) => translateCompose(loadCompose(web('    x-fleet: {capacity: fargate}\n'), { file: 'compose.yaml', lookup: () => undefined }), {
      baseDir: project, io: { readFile: () => undefined, isDirectory: () => false }, securityPolicy,
    });
    expect(() => translate(ComposeSecurityPolicy.BASELINE)).toThrow(/^compose\.yaml:4:25: service web: x-fleet\.capacity fargate runs the service on Fargate/);
    expect(translate(ComposeSecurityPolicy.TRUSTED).services[0].capacity).toBe('fargate');
  });
});

describe('external secrets and configs live under the environment\'s prefix (BASELINE)', () => {
  const secret = (name: string) => `services:\n  web:\n    image: nginx\nsecrets:\n  db:\n    external: true\n    name: ${name}\n`;
  const config = (name: string) => `services:\n  web:\n    image: nginx\nconfigs:\n  c:\n    external: true\n    name: ${name}\n`;

  test('a secret named <prefix>/... is fine; another environment\'s is refused at its name', () => {
    expect(() => check(secret('Qa-feature/db-password'))).not.toThrow();
    expect(() => check(secret('prod/db-password'))).toThrow(/^compose\.yaml:7:11: external secret 'prod\/db-password' is not named under this environment's prefix 'Qa-feature\/'/);
    expect(() => check(secret('prod/db-password'), trusted)).not.toThrow();
  });

  test.each(['Qa-feature-x/db', 'Qa-feature/', 'Qa-feature', 'Qa-feature/../prod/db', 'Qa-feature/*', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:Qa-feature/db'])(
    'the secret name %s is refused', (name) => {
      expect(() => check(secret(`"${name}"`))).toThrow(/is not named under this environment's prefix/);
    });

  test('the old `external: {name: ...}` form and a secret named by its key are checked too', () => {
    expect(() => check('services:\n  web:\n    image: nginx\nsecrets:\n  db:\n    external:\n      name: prod/db\n')).toThrow(/compose\.yaml:7:13: external secret 'prod\/db'/);
    expect(() => check('services:\n  web:\n    image: nginx\nsecrets:\n  db:\n    external: true\n')).toThrow(/compose\.yaml:5:3: external secret 'db'/);
  });

  test('a config named /<prefix>/... is fine; another stack\'s parameter is refused', () => {
    expect(() => check(config('/Qa-feature/nginx.conf'))).not.toThrow();
    expect(() => check(config('/prod/nginx.conf'))).toThrow(/compose\.yaml:7:11: external config '\/prod\/nginx\.conf' is not named under this environment's prefix '\/Qa-feature\/'/);
    expect(() => check(config('Qa-feature/nginx.conf'))).toThrow(/is not named under/);
  });

  test('without a prefix every external one is refused under BASELINE', () => {
    expect(() => check(secret('Qa-feature/db'), { externalNamePrefix: undefined })).toThrow(/the environment owns no name prefix/);
  });
});

describe('the translation runs the policy first', () => {
  const io = { readFile: (p: string) => (fs.existsSync(p) && fs.statSync(p).isFile() ? fs.readFileSync(p, 'utf8') : undefined), isDirectory: (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory() };
  const translate = (yaml: string, options: Record<string, unknown> = {}) =>
    translateCompose(loadCompose(yaml, { file: 'compose.yaml', lookup: () => undefined }), { baseDir: project, io, ...options });

  test('BASELINE is the default', () => {
    expect(() => translate(web('    privileged: true\n'))).toThrow(ComposeFileError);
    expect(translate(web('    privileged: true\n'), { securityPolicy: ComposeSecurityPolicy.TRUSTED }).services[0].privileged).toBe(true);
  });

  test('property: whatever bind source the policy lets through, the task mounts a host path under the project\'s host folder (BASELINE), or a relative source stays there (TRUSTED)', () => {
    const segment = fc.constantFrom('..', '.', 'a', 'b', '~', 'C:', 'home', '', 'var', 'run');
    const source = fc.tuple(fc.constantFrom('', './', '~/', '~', 'C:/', 'c:\\', '/', '//', '/opt/compose/shop/', '../'), fc.array(segment, { maxLength: 8 }), fc.constantFrom('/', '\\'))
      .map(([start, parts, sep]) => start + parts.join(sep))
      .filter((s) => s !== '' && !s.includes(':', 2) && /^[./~]|^[A-Za-z]:[\\/]/.test(s));
    fc.assert(fc.property(source, fc.boolean(), (src, short) => {
      const entry = short ? `volumes: ['${src}:/m']` : `volumes: [{type: bind, source: '${src}', target: /m}]`;
      for (const securityPolicy of [ComposeSecurityPolicy.BASELINE, ComposeSecurityPolicy.TRUSTED]) {
        let plan;
        try {
          plan = translate('name: shop\n' + web(`    ${entry}\n`), { securityPolicy });
        } catch (e) {
          expect(e).toBeInstanceOf(ComposeFileError);
          continue;
        }
        const hostPath = (plan.services[0].mounts[0] as any).hostPath as string;
        if (securityPolicy === ComposeSecurityPolicy.BASELINE || !src.startsWith('/')) {
          expect(hostPath === '/opt/compose/shop' || hostPath.startsWith('/opt/compose/shop/')).toBe(true);
        }
      }
    }), { numRuns: 300 });
  });

  test('relative bind mounts keep their place in a widened project folder on the instances', () => {
    const plan = translate('name: shop\n' + web('    volumes: ["../shared/data:/data", "./logs:/logs"]\n'), { projectDirectory: root });
    expect(plan.services[0].mounts).toEqual([
      { kind: 'bind', hostPath: '/opt/compose/shop/shared/data', containerPath: '/data', readOnly: false },
      { kind: 'bind', hostPath: '/opt/compose/shop/project/logs', containerPath: '/logs', readOnly: false },
    ]);
    // Without projectDirectory, the compose file's folder is the project's host folder, as before.
    expect(translate('name: shop\n' + web('    volumes: ["./logs:/logs"]\n')).services[0].mounts[0]).toMatchObject({ hostPath: '/opt/compose/shop/logs' });
  });

  test('a project folder reached through a symbolic link (a linked temp or checkout folder) behaves as the folder itself', () => {
    fs.symlinkSync(project, path.join(root, 'alias'));
    const plan = translateCompose(loadCompose('name: shop\n' + web('    volumes: ["./logs:/logs"]\n    env_file: app.env\n'), { file: 'compose.yaml', lookup: () => undefined }),
      { baseDir: path.join(root, 'alias'), projectDirectory: project, io });
    expect(plan.services[0].mounts[0]).toMatchObject({ hostPath: '/opt/compose/shop/logs' });
    expect(plan.services[0].environment).toEqual({ A: '1' });
  });

  test('a build context with a link to a project file outside it is marked for copying the link targets', () => {
    fs.symlinkSync(path.join(project, 'app.env'), path.join(project, 'app', 'shared.env'));
    expect(translate('services:\n  web:\n    build: ./app\n').services[0].image).toMatchObject({ kind: 'build', copyLinkTargets: true });
    fs.rmSync(path.join(project, 'app', 'shared.env'));
    expect(translate('services:\n  web:\n    build: ./app\n').services[0].image).not.toHaveProperty('copyLinkTargets');
  });

  test('an image left invalid by an unset variable is an error at the image, not a deployment failure', () => {
    const loaded = loadCompose('services:\n  web:\n    image: nginx:${TAG}\n', { file: 'compose.yaml', lookup: () => undefined });
    expect(loaded.warnings[0].message).toMatch(/variable TAG is not set/);
    expect(() => translateCompose(loaded, { baseDir: project, io }))
      .toThrow(/^compose\.yaml:3:12: service 'web': image 'nginx:' is not a valid image reference: it ends with ':' \(an empty tag\)$/);
    expect(() => translate('services:\n  web:\n    image: nginx:1.27\n')).not.toThrow();
  });
});

describe('imageReferenceProblem', () => {
  test.each([
    'nginx', 'nginx:1.27', 'library/nginx:latest', 'public.ecr.aws/docker/library/busybox:1.37', 'localhost:5000/app', 'localhost/app:v1',
    'registry.example.com:5000/team/app:v1.2-rc_1', `nginx@sha256:${'a'.repeat(64)}`, `nginx:1.27@sha256:${'b'.repeat(64)}`, 'my_org/my-app__x:1',
    '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:abc123', '[::1]:5000/app',
  ])('%s is valid', (ref) => {
    expect(imageReferenceProblem(ref)).toBeUndefined();
  });

  test.each([
    ['nginx:', /empty tag/], ['nginx@', /empty digest/], [':1.0', /repository name is empty/], ['', /empty/], ['Nginx', /must be lower-case/],
    ['team/App:1', /must be lower-case/], ['nginx:-bad', /tag '-bad' is not valid/], ['team//app', /empty path component/], ['/app', /empty path component/],
    ['nginx@sha256:xyz', /digest/], ['nginx:1 2', /white space/], ['app-:1', /invalid component 'app-'/], ['bad_host.:5000/app', /registry/],
  ])('%s is refused', (ref, problem) => {
    expect(imageReferenceProblem(ref)).toMatch(problem);
  });
});

test('the fix of every host-level refusal names the opt-out', () => {
  try {
    check(web('    pid: host\n'));
  } catch (e) {
    expect((e as ComposeFileError).fix).toMatch(FIX);
    expect((e as ComposeFileError).fix).toMatch(/docs\/compose\.md, "Untrusted compose files"/);
  }
  expect.assertions(2);
});
