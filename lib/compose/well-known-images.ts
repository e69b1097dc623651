/**
 * Ports of well-known official images, for compose services that declare none (a `db: image: postgres:16` is the
 * usual way to write a database). The ports are those the images' own Dockerfiles EXPOSE. docs/compose.md lists
 * the same table. Pure, no CDK.
 */

/** Image repository (as on Docker Hub, without `library/`) → the TCP ports it listens on, main port first. */
export const WELL_KNOWN_IMAGE_PORTS: Readonly<Record<string, readonly number[]>> = {
  'postgres': [5432],
  'mysql': [3306, 33060],
  'mariadb': [3306],
  'percona': [3306],
  'redis': [6379],
  'valkey/valkey': [6379],
  'mongo': [27017],
  'rabbitmq': [5672],
  'memcached': [11211],
  'elasticsearch': [9200, 9300],
  'docker.elastic.co/elasticsearch/elasticsearch': [9200, 9300],
  'kibana': [5601],
  'docker.elastic.co/kibana/kibana': [5601],
  'logstash': [5044, 9600],
  'docker.elastic.co/logstash/logstash': [5044, 9600],
  'nginx': [80],
  'httpd': [80],
  'caddy': [80, 443],
  'traefik': [80],
  'wordpress': [80],
  'drupal': [80],
  'joomla': [80],
  'nextcloud': [80],
  'phpmyadmin': [80],
  'ghost': [2368],
  'adminer': [8080],
  'tomcat': [8080],
  'jenkins/jenkins': [8080, 50000],
  'grafana/grafana': [3000],
  'grafana/grafana-oss': [3000],
  'prom/prometheus': [9090],
  'zookeeper': [2181],
  'consul': [8500],
  'hashicorp/consul': [8500],
  'vault': [8200],
  'hashicorp/vault': [8200],
  'influxdb': [8086],
  'couchdb': [5984],
  'cassandra': [9042],
  'neo4j': [7474, 7687],
  'mongo-express': [8081],
  'registry': [5000],
  'solr': [8983],
  'odoo': [8069],
  'nats': [4222],
  'eclipse-mosquitto': [1883],
  'clickhouse/clickhouse-server': [8123, 9000],
  'minio/minio': [9000],
  'mcr.microsoft.com/mssql/server': [1433],
  'dpage/pgadmin4': [80],
  'gitea/gitea': [3000, 22],
  'portainer/portainer-ce': [9000, 8000, 9443],
  'sonarqube': [9000],
};

/** The table entry an image reference matches (registry mirrors and `library/` stripped, tag and digest ignored). */
export function wellKnownImage(reference: string): { image: string; ports: readonly number[] } | undefined {
  for (const candidate of repositoryCandidates(reference)) {
    const ports = WELL_KNOWN_IMAGE_PORTS[candidate];
    if (ports) return { image: candidate, ports };
  }
  return undefined;
}

/**
 * `public.ecr.aws/docker/library/postgres:16@sha256:…` → `public.ecr.aws/docker/library/postgres`, `postgres`;
 * `docker.io/library/redis` → `redis`; `public.ecr.aws/nginx/nginx:1.27` → `nginx` (a repository named like its namespace).
 */
function repositoryCandidates(reference: string): string[] {
  let ref = reference.trim().toLowerCase();
  // indexOf, not /@.*$/, which backtracks quadratically over a long run of '@' before a line break.
  const at = ref.indexOf('@');
  if (at >= 0) ref = ref.slice(0, at);
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > lastSlash) ref = ref.slice(0, colon);
  const out = [ref];
  const parts = ref.split('/');
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
  let repo = parts.join('/');
  out.push(repo);
  repo = repo.replace(/^(docker\/)?library\//, '');
  out.push(repo);
  const segments = repo.split('/');
  if (segments.length === 2 && segments[0] === segments[1]) out.push(segments[1]);
  return out;
}

/**
 * The ports a Dockerfile's final stage (or `target`) EXPOSEs, with `$VAR` / `${VAR}` resolved from build args,
 * then ARG defaults and ENV of the Dockerfile; plus the image that stage starts FROM, whose EXPOSE it inherits.
 */
export function dockerfilePorts(text: string, buildArgs: Record<string, string> = {}, target?: string): { ports: Array<{ port: number; protocol: 'tcp' | 'udp' }>; from?: string } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Array<{ name?: string; from: string; lines: string[] }> = [];
  const globalArgs: Record<string, string> = {};
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'FROM') {
      const words = rest.filter((w) => !w.startsWith('--'));
      stages.push({ from: words[0] ?? '', name: words[2]?.toLowerCase(), lines: [] });
    } else if (stages.length === 0 && upper === 'ARG') {
      const [k, v] = rest.join(' ').split('=');
      if (v !== undefined) globalArgs[k] = v.replace(/^["']|["']$/g, '');
    } else if (stages.length > 0) {
      stages[stages.length - 1].lines.push(line);
    }
  }
  const stage = target !== undefined ? stages.find((s) => s.name === target.toLowerCase()) : stages[stages.length - 1];
  if (!stage) return { ports: [] };
  const vars: Record<string, string> = { ...globalArgs };
  const ports: Array<{ port: number; protocol: 'tcp' | 'udp' }> = [];
  const resolve = (word: string) => word.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?/g, (_, name: string, fallback?: string) => buildArgs[name] ?? vars[name] ?? fallback ?? '');
  for (const line of stage.lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const upper = instruction.toUpperCase();
    if (upper === 'ARG' || upper === 'ENV') {
      const body = rest.join(' ');
      if (upper === 'ENV' && !body.includes('=')) {
        vars[rest[0]] = rest.slice(1).join(' ');
      } else {
        for (const pair of body.split(/\s+/)) {
          const [k, v] = pair.split('=');
          if (v !== undefined) vars[k] = resolve(v.replace(/^["']|["']$/g, ''));
        }
      }
    } else if (upper === 'EXPOSE') {
      for (const word of rest) {
        const m = /^(\d+)(?:\/(tcp|udp))?$/i.exec(resolve(word));
        if (m && Number(m[1]) >= 1 && Number(m[1]) <= 65535) ports.push({ port: Number(m[1]), protocol: (m[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' });
      }
    }
  }
  // FROM an earlier stage: that stage's ports and base image are inherited.
  const earlier = stages.find((s) => s !== stage && s.name !== undefined && s.name === stage.from.toLowerCase());
  if (earlier) {
    const inherited = dockerfilePorts(text, buildArgs, earlier.name);
    return { ports: [...inherited.ports, ...ports], from: inherited.from };
  }
  return { ports, from: resolve(stage.from) };
}
