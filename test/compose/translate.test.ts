import { loadCompose } from '../../lib/compose/load';
import { ComposeSecurityPolicy } from '../../lib/compose/security-policy';
import { ProjectPlan, SERVICE_KEYS, ServicePlan, translateCompose, TranslateOptions } from '../../lib/compose/translate';

/** These tests are about translation: the policy's refusals have their own tests (security-policy.test.ts). */
const TRUSTED = { securityPolicy: ComposeSecurityPolicy.TRUSTED };

/** In-memory files under /project. */
function translate(yaml: string, files: Record<string, string> = {}, options: Partial<TranslateOptions> = {}, vars: Record<string, string> = {}): ProjectPlan {
  const loaded = loadCompose(yaml, { file: 'compose.yaml', lookup: (n) => vars[n] });
  const dirs = new Set(Object.keys(files).flatMap((f) => f.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`)));
  return translateCompose(loaded, {
    baseDir: '/project',
    io: { readFile: (p) => files[p], isDirectory: (p) => dirs.has(p) },
    lookup: (n) => vars[n],
    ...options,
  });
}
const only = (yaml: string, files?: Record<string, string>, options?: Partial<TranslateOptions>, vars?: Record<string, string>): ServicePlan =>
  translate(yaml, files, options, vars).services[0];
/** Warnings other than "no port is declared" (services with image `x` have none; that warning has its own tests in translate-ports.test.ts). */
const other = (plan: ServicePlan) => plan.warnings.filter((w) => !w.message.includes('no port is declared'));
const keys = (plan: ServicePlan) => other(plan).map((w) => w.key);

describe('translateCompose: images', () => {
  test('image is pulled as written; one task by default, as in Compose', () => {
    const plan = only('services:\n  web:\n    image: nginx:1.27\n');
    expect(plan.image).toEqual({ kind: 'registry', reference: 'nginx:1.27' });
    expect(plan.desiredCount).toBe(1);
    expect(other(plan)).toEqual([]);
  });

  test('build becomes an image asset plan with context, dockerfile, target and args; other build keys are warned', () => {
    const plan = only('services:\n  web:\n    image: ignored-tag\n    build:\n      context: app\n      dockerfile: Dockerfile.prod\n      target: builder\n      args:\n        - NODE_ENV=production\n        - FROM_ENV\n      cache_from: [x]\n',
      { '/project/app/Dockerfile.prod': 'FROM x' }, {}, { FROM_ENV: 'v' });
    expect(plan.image).toEqual({ kind: 'build', context: '/project/app', dockerfile: 'Dockerfile.prod', target: 'builder', args: { NODE_ENV: 'production', FROM_ENV: 'v' } });
    expect(other(plan)).toEqual([expect.objectContaining({ key: 'build', message: expect.stringContaining('cache_from ignored') })]);
  });

  test('a missing build context or Dockerfile is an error at the build key that suggests the images prop', () => {
    expect(() => only('services:\n  web:\n    build: ./nope\n')).toThrow(/compose\.yaml:3:12: build context '\.\/nope' does not exist/);
    expect(() => only('services:\n  web:\n    build: app\n', { '/project/app/README': '' })).toThrow(/no Dockerfile in build context \/project\/app/);
    expect(() => only('services:\n  web:\n    build: https://github.com/x/y.git\n')).toThrow(/remote URL/);
  });

  test('an image override skips the build checks', () => {
    expect(only('services:\n  web:\n    build: ./nope\n', {}, { imageOverrides: new Set(['web']) }).image).toEqual({ kind: 'override' });
  });

  test('a service with neither image nor build is an error', () => {
    expect(() => only('services:\n  web:\n    command: x\n')).toThrow(/service 'web' has neither 'image' nor 'build'/);
  });
});

describe('translateCompose: container', () => {
  test('command and entrypoint: strings are split like a shell, lists kept', () => {
    const plan = only(`services:\n  web:\n    image: x\n    command: /bin/sh -c "echo 'hi there'"\n    entrypoint: [tini, --]\n`);
    expect(plan.command).toEqual(['/bin/sh', '-c', "echo 'hi there'"]);
    expect(plan.entryPoint).toEqual(['tini', '--']);
  });

  test('environment (list and map) wins over env_file; bare keys come from variables; numbers become strings', () => {
    const plan = only('services:\n  web:\n    image: x\n    env_file: [.env.web, {path: missing.env, required: false}]\n    environment:\n      - A=from-environment\n      - FROM_VARS\n      - NOT_SET\n',
      { '/project/.env.web': 'A=from-file\nB=2\n' }, {}, { FROM_VARS: 'v' });
    expect(plan.environment).toEqual({ A: 'from-environment', B: '2', FROM_VARS: 'v' });
    expect(only('services:\n  web:\n    image: x\n    environment:\n      PORT: 8000\n      DEBUG: true\n').environment).toEqual({ PORT: '8000', DEBUG: 'true' });
  });

  test('a required env_file that does not exist is an error', () => {
    expect(() => only('services:\n  web:\n    image: x\n    env_file: web.env\n')).toThrow(/env_file 'web.env' does not exist/);
  });

  test('deploy.replicas, resources (cpus → units, memory → MiB) and scale', () => {
    const plan = only('services:\n  web:\n    image: x\n    deploy:\n      replicas: 3\n      resources:\n        limits: {cpus: "0.5", memory: 1.5G}\n        reservations: {memory: 256M}\n');
    expect(plan).toMatchObject({ desiredCount: 3, cpu: 512, memoryLimitMiB: 1536, memoryReservationMiB: 256 });
    expect(only('services:\n  web:\n    image: x\n    scale: 2\n    mem_limit: 300m\n    cpus: 0.25\n')).toMatchObject({ desiredCount: 2, memoryLimitMiB: 300, cpu: 256 });
    expect(only('services:\n  web:\n    image: x\n    deploy:\n      resources:\n        reservations: {memory: 1g}\n')).toMatchObject({ memoryLimitMiB: 1024, memoryReservationMiB: 1024 });
  });

  test('memory below what Docker accepts, or a reservation above the limit, is an error at the value', () => {
    expect(() => only('services:\n  web:\n    image: x\n    mem_limit: 4m\n')).toThrow(/compose\.yaml:4:16: '4m' is not a memory size of at least 6 MiB/);
    expect(() => only('services:\n  web:\n    image: x\n    deploy:\n      resources:\n        limits: {memory: 256M}\n        reservations: {memory: 512M}\n'))
      .toThrow(/the memory reservation \(512 MiB\) is above the limit \(256 MiB\)/);
  });

  test('deploy keys ECS replaces are warned, naming what happens instead (update_config maps, see translate-container.test.ts)', () => {
    const plan = only('services:\n  web:\n    image: x\n    deploy:\n      mode: global\n      update_config: {parallelism: 2}\n      placement: {constraints: [node.role==manager]}\n');
    expect(other(plan).map((w) => w.message)).toEqual([
      expect.stringContaining('deploy: placement is ignored: a task runs on every instance'),
      expect.stringContaining('deploy: update_config parallelism ignored: with mode global'),
    ]);
    expect(plan.deployment).toEqual({ global: true, rollbackOnFailure: false });
  });

  test('healthcheck: CMD, CMD-SHELL, string, NONE and disable; Compose defaults; ECS limits with warnings', () => {
    const hc = (test: string, extra = '') => only(`services:\n  db:\n    image: x\n    healthcheck:\n      test: ${test}\n${extra}`);
    expect(hc('["CMD", "pg_isready"]').healthCheck).toEqual({ command: ['CMD', 'pg_isready'], intervalSeconds: 30, timeoutSeconds: 29, retries: 3, startPeriodSeconds: undefined });
    expect(hc('curl -f localhost').healthCheck!.command).toEqual(['CMD-SHELL', 'curl -f localhost']);
    expect(hc('["NONE"]').healthCheck).toBeUndefined();
    expect(hc('x', '      disable: true\n').healthCheck).toBeUndefined();
    const clamped = hc('["CMD-SHELL", "ping"]', '      interval: 3s\n      timeout: 10s\n      retries: 20\n      start_period: 30s\n');
    expect(clamped.healthCheck).toEqual({ command: ['CMD-SHELL', 'ping'], intervalSeconds: 5, timeoutSeconds: 4, retries: 10, startPeriodSeconds: 30 });
    expect(keys(clamped)).toEqual(['healthcheck', 'healthcheck', 'healthcheck']);
  });

  test('user, working_dir, hostname, labels, ulimits, capabilities, sysctls, extra_hosts, stop_grace_period', () => {
    const plan = only(`services:
  web:
    image: x
    user: "1000:1000"
    working_dir: /app
    hostname: web1
    labels: ["a=b"]
    ulimits:
      nofile: {soft: 1024, hard: 4096}
      nproc: 512
      bogus: 1
    cap_add: [NET_ADMIN, CAP_SYS_TIME, MADE_UP]
    cap_drop: [ALL]
    sysctls: {net.core.somaxconn: 1024}
    extra_hosts: ["db.local:10.0.0.5", "gw:host-gateway"]
    stop_grace_period: 1m30s
    init: true
    read_only: true
`, {}, TRUSTED);
    expect(plan).toMatchObject({
      user: '1000:1000', workingDirectory: '/app', hostname: 'web1', dockerLabels: { a: 'b' },
      ulimits: [{ name: 'nofile', soft: 1024, hard: 4096 }, { name: 'nproc', soft: 512, hard: 512 }],
      capAdd: ['NET_ADMIN', 'SYS_TIME'], capDrop: ['ALL'], sysctls: { 'net.core.somaxconn': '1024' },
      extraHosts: [{ hostname: 'db.local', ipAddress: '10.0.0.5' }], stopTimeoutSeconds: 90, init: true, readOnlyRootFilesystem: true,
    });
    expect(keys(plan).sort()).toEqual(['cap_add', 'extra_hosts', 'ulimits']);
  });

  test('stop_grace_period above 120 s is capped with a warning', () => {
    const plan = only('services:\n  web:\n    image: x\n    stop_grace_period: 5m\n');
    expect(plan.stopTimeoutSeconds).toBe(120);
    expect(keys(plan)).toEqual(['stop_grace_period']);
  });

  test('restart: always and unless-stopped are what ECS does; no and on-failure are warned', () => {
    expect(keys(only('services:\n  web:\n    image: x\n    restart: unless-stopped\n'))).toEqual([]);
    expect(other(only('services:\n  web:\n    image: x\n    restart: "no"\n'))[0].message).toMatch(/restart: 'no' is not honoured/);
    expect(other(only('services:\n  web:\n    image: x\n    restart: on-failure:3\n'))[0].message).toMatch(/'on-failure:3' becomes 'always'/);
  });

  test('keys without an ECS equivalent are warned with the file, service and key', () => {
    const plan = only('services:\n  web:\n    image: x\n    container_name: w\n    domainname: example.com\n    stop_signal: SIGINT\n    network_mode: host\n    runtime: runsc\n    platform: linux/arm64\n', {}, TRUSTED);
    expect(other(plan).map((w) => w.message)).toEqual([
      "compose.yaml: service web: container_name: ignored: ECS names containers itself; other services reach this one by its service name",
      'compose.yaml: service web: domainname: ignored: ECS task definitions have no domain name setting; the container keeps the default',
      "compose.yaml: service web: stop_signal: ignored: ECS stops containers with the image's STOPSIGNAL (default SIGTERM); set STOPSIGNAL in the Dockerfile instead",
      "compose.yaml: service web: runtime: ignored: ECS runs containers with the instance's default runtime (runc)",
      "compose.yaml: service web: network_mode: 'host' is ignored: tasks run in bridge mode and reach each other through Service Connect",
      "compose.yaml: service web: platform: 'linux/arm64' is ignored: the cluster runs linux/amd64 instances",
    ]);
  });

  test('extends and provider are errors', () => {
    expect(() => only('services:\n  web:\n    image: x\n    extends: base\n')).toThrow(/compose\.yaml:4:5: service 'web': 'extends' is not supported/);
  });

  test('every service key of the Compose Specification schema has a decided treatment (nothing silently dropped)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schema = require('../../lib/compose/compose-spec.schema.json');
    expect(Object.keys(schema.definitions.service.properties).filter((k) => !(k in SERVICE_KEYS))).toEqual([]);
  });
});

describe('translateCompose: ports and routing', () => {
  test('ports (short and long) and expose become container ports; published ports not routed are warned', () => {
    const plan = only('services:\n  web:\n    image: x\n    ports:\n      - "8080:80"\n      - target: 443\n        published: "8443"\n      - "53:53/udp"\n    expose: [9000, "80"]\n');
    expect(plan.ports).toEqual([
      { containerPort: 80, protocol: 'tcp' }, { containerPort: 443, protocol: 'tcp' }, { containerPort: 53, protocol: 'udp' }, { containerPort: 9000, protocol: 'tcp' },
    ]);
    expect(plan.routedPort).toBeUndefined();
    expect(other(plan).map((w) => w.message)).toEqual([
      expect.stringContaining('published port(s) 8080:80, 8443:443 are not opened: the project does not publish ports (publishPorts: false)'),
      expect.stringContaining('UDP port(s) 53 cannot be reached by service name: Service Connect carries TCP only'),
    ]);
  });

  test('DOMAIN routes the first TCP port by host <DOMAIN>.<domain>, without a ports warning for it', () => {
    const plan = only('services:\n  login:\n    image: x\n    environment: [DOMAIN=login]\n    ports: ["8081:80"]\n', {}, { domain: 'qa.example.com' });
    expect(plan.routes).toEqual([{ host: 'login.qa.example.com', healthCheckPath: undefined }]);
    expect(plan.routedPort).toBe(80);
    expect(other(plan)).toEqual([]);
  });

  test('DOMAIN without a project domain is warned, not routed', () => {
    const plan = only('services:\n  login:\n    image: x\n    environment: [DOMAIN=login]\n    expose: [80]\n');
    expect(plan.routes).toEqual([]);
    expect(plan.warnings[0].message).toMatch(/environment: DOMAIN=login is not routed: the project has no domain/);
  });

  test('x-fleet routes, port and healthCheckPath override DOMAIN', () => {
    const plan = only('services:\n  api:\n    image: x\n    environment: {DOMAIN: api}\n    expose: [8080, 9090]\n    x-fleet:\n      port: 9090\n      healthCheckPath: /health\n      routes:\n        - path: /api/*\n        - host: api.example.com\n          healthCheckPath: /ready\n',
      {}, { domain: 'example.com' });
    expect(plan.routedPort).toBe(9090);
    expect(plan.routes).toEqual([{ host: undefined, path: '/api/*', healthCheckPath: '/health' }, { host: 'api.example.com', path: undefined, healthCheckPath: '/ready' }]);
  });

  test('a malformed x-fleet is an error at the service', () => {
    expect(() => only('services:\n  w:\n    image: x\n    x-fleet: {routes: [{hots: a}]}\n')).toThrow(/compose\.yaml:4:14: x-fleet: routes\[0\]: unknown key\(s\) hots/);
  });
});

describe('translateCompose: dependencies, volumes, secrets, profiles', () => {
  test('depends_on (list and map) gives the startup order; completed_successfully is warned; unknown services and cycles are errors', () => {
    const plan = translate('services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: service_healthy}\n      migrate: {condition: service_completed_successfully}\n  db:\n    image: y\n  migrate:\n    image: z\n');
    expect(plan.services[0].dependsOn).toEqual(['db', 'migrate']);
    expect(keys(plan.services[0])).toEqual(['depends_on']);
    expect(() => translate('services:\n  web:\n    image: x\n    depends_on: [nope]\n')).toThrow(/depends on 'nope', which is not a service/);
    expect(() => translate('services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n')).toThrow(/depends_on cycle/);
  });

  test('named, anonymous and bind volumes; bind sources land under the project folder on the instance, with warnings', () => {
    const plan = translate('name: shop\nservices:\n  web:\n    image: x\n    volumes:\n      - data:/data\n      - /cache\n      - ./logs:/var/log/app:ro\n      - /var/run/docker.sock:/var/run/docker.sock\n      - type: tmpfs\n        target: /tmp\nvolumes:\n  data: {}\n', {}, TRUSTED);
    expect(plan.volumes).toEqual(['data']);
    expect(plan.services[0].mounts).toEqual([
      { kind: 'named', volume: 'data', containerPath: '/data', readOnly: false },
      { kind: 'anonymous', containerPath: '/cache', readOnly: false },
      { kind: 'bind', hostPath: '/opt/compose/shop/logs', containerPath: '/var/log/app', readOnly: true },
      { kind: 'bind', hostPath: '/var/run/docker.sock', containerPath: '/var/run/docker.sock', readOnly: false },
    ]);
    expect(other(plan.services[0]).map((w) => w.message)).toEqual([
      expect.stringContaining("named volume 'data' is a Docker volume on the instance"),
      expect.stringContaining('bind mount ./logs:/var/log/app becomes the host folder /opt/compose/shop/logs'),
      expect.stringContaining("this gives the container control of the instance's Docker daemon"),
    ]);
    expect(plan.services[0].tmpfs).toEqual([{ containerPath: '/tmp', sizeMiB: 512, mountOptions: [] }]);
    expect(() => translate('services:\n  web:\n    image: x\n    volumes: ["undeclared:/data"]\n')).toThrow(/mounts volume 'undeclared', which is not declared/);
  });

  test('secrets: default and long targets under /run/secrets; file secrets become generated ones with a project warning; external ones are imported', () => {
    const plan = translate('services:\n  db:\n    image: x\n    secrets:\n      - db-password\n      - source: api-key\n        target: key\n        mode: "0400"\n        uid: "999"\nsecrets:\n  db-password:\n    file: db/password.txt\n  api-key:\n    external: true\n    name: prod/api-key\n', {}, TRUSTED);
    expect(plan.services[0].secrets).toEqual([
      { secret: 'db-password', target: '/run/secrets/db-password', mode: 0o444, uid: undefined, gid: undefined },
      { secret: 'api-key', target: '/run/secrets/key', mode: 0o400, uid: '999', gid: undefined },
    ]);
    expect(plan.secrets).toEqual([{ name: 'db-password', kind: 'generated' }, { name: 'api-key', kind: 'external', externalName: 'prod/api-key' }]);
    expect(plan.warnings).toEqual([expect.objectContaining({ key: 'secrets', message: expect.stringMatching(/secret db-password: file db\/password.txt is not read/) })]);
    expect(() => translate('services:\n  db:\n    image: x\n    secrets: [nope]\n')).toThrow(/uses secret 'nope', which is not declared/);
    expect(() => translate('services:\n  db:\n    image: x\n    secrets: [{source: s, target: /etc/s}]\nsecrets:\n  s: {file: s}\n')).toThrow(/outside \/run\/secrets/);
  });

  test('secrets with sealSecretFiles: a file secret is sealed (its file or sealed copy must exist, else an error at file:line:column); environment secrets stay generated', () => {
    const yaml = 'services:\n  db:\n    image: x\n    secrets: [db-password, token]\nsecrets:\n  db-password:\n    file: db/password.txt\n  token:\n    environment: TOKEN\n';
    const plan = translate(yaml, { '/project/db/password.txt': 'pw' }, { sealSecretFiles: true });
    expect(plan.secrets).toEqual([{ name: 'db-password', kind: 'sealed', file: '/project/db/password.txt' }, { name: 'token', kind: 'generated' }]);
    expect(plan.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/secret token: variable TOKEN is not read/)]);
    // A CI checkout: only the committed sealed copy.
    expect(translate(yaml, { '/project/db/password.txt.sealed.json': '{}' }, { sealSecretFiles: true }).secrets[0]).toEqual({ name: 'db-password', kind: 'sealed', file: '/project/db/password.txt' });
    expect(() => translate(yaml, {}, { sealSecretFiles: true }))
      .toThrow(/compose.yaml:7:11: secret db-password: neither db\/password.txt nor its sealed copy db\/password.txt.sealed.json exists/);
    // Without sealing, the warning names the opt-in.
    expect(translate(yaml, { '/project/db/password.txt': 'pw' }).warnings[0].message).toMatch(/set sealSecretFiles to upload the file sealed/);
  });

  test('configs: file, content and environment become values, external a parameter name; targets default to /<name> and must be in a folder', () => {
    const plan = translate('services:\n  app:\n    image: x\n    configs:\n      - source: prom\n        target: /etc/prometheus/prometheus.yml\n      - source: motd\n        target: /etc/motd.d/motd\n        mode: 0440\n      - source: env\n        target: /etc/app/env\n      - source: ext\n        target: /etc/app/ext\nconfigs:\n  prom: {file: ./prometheus.yml}\n  motd: {content: hello}\n  env: {environment: APP_ENV}\n  ext: {external: true, name: /shared/ext}\n',
      { '/project/prometheus.yml': 'scrape_configs: []\n' }, TRUSTED, { APP_ENV: 'qa' });
    expect(plan.services[0].configs).toEqual([
      { config: 'prom', target: '/etc/prometheus/prometheus.yml', mode: 0o444, uid: undefined, gid: undefined },
      { config: 'motd', target: '/etc/motd.d/motd', mode: 0o440, uid: undefined, gid: undefined },
      { config: 'env', target: '/etc/app/env', mode: 0o444, uid: undefined, gid: undefined },
      { config: 'ext', target: '/etc/app/ext', mode: 0o444, uid: undefined, gid: undefined },
    ]);
    expect(plan.configs).toEqual([
      { name: 'prom', kind: 'value', value: 'scrape_configs: []\n' },
      { name: 'motd', kind: 'value', value: 'hello' },
      { name: 'env', kind: 'value', value: 'qa' },
      { name: 'ext', kind: 'external', externalName: '/shared/ext' },
    ]);
    expect(other(plan.services[0])).toEqual([]);
    expect(() => translate('services:\n  app:\n    image: x\n    configs: [c]\nconfigs:\n  c: {content: x}\n')).toThrow(/config target '\/c' is a file in the root folder/);
    expect(() => translate('services:\n  app:\n    image: x\n    configs: [{source: c, target: /etc/c}]\nconfigs:\n  c: {file: nope}\n')).toThrow(/compose\.yaml:6:3: config 'c': file 'nope' does not exist/);
    expect(() => translate('services:\n  app:\n    image: x\n    configs: [nope]\n')).toThrow(/uses config 'nope', which is not declared/);
  });

  test('secret modes are octal, quoted or not', () => {
    const modeOf = (mode: string) => translate(`services:\n  db:\n    image: x\n    secrets: [{source: s, mode: ${mode}}]\nsecrets:\n  s: {file: s}\n`).services[0].secrets[0].mode;
    expect(modeOf('0400')).toBe(0o400);
    expect(modeOf('"0440"')).toBe(0o440);
    expect(modeOf('0o600')).toBe(0o600);
  });

  test('profiles: inactive services are left out with a warning, unless an active service needs them', () => {
    const yaml = 'services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: y\n    profiles: [data]\n  debug:\n    image: z\n    profiles: [debug]\n';
    const plan = translate(yaml);
    expect(plan.services.map((s) => s.name)).toEqual(['web', 'db']);
    expect(plan.warnings).toEqual([expect.objectContaining({ key: 'profiles', message: expect.stringContaining('service debug: left out') })]);
    expect(translate(yaml, {}, { profiles: ['debug'] }).services.map((s) => s.name)).toEqual(['web', 'db', 'debug']);
  });

  test('networks: one network is what Service Connect gives; several, aliases and fixed addresses are warned', () => {
    expect(keys(only('services:\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n: {}\n'))).toEqual([]);
    expect(keys(only('services:\n  a:\n    image: x\n    networks: [n, m]\nnetworks:\n  n: {}\n  m: {}\n'))).toEqual(['networks']);
    expect(other(only('services:\n  a:\n    image: x\n    networks:\n      n: {aliases: [b]}\nnetworks:\n  n: {}\n'))[0].message).toMatch(/n: aliases ignored/);
  });
});
