// The GraphRAG benchmark's corpus, generated (never downloaded) from a seed: the software
// estate of a made-up company, written the way such estates are documented, so that ingest
// runs every real extraction path.
//
// Design. From fixed vocabularies the generator picks services (`billing-ledger`,
// `checkout-api`), datastores (`orders-db`, `pricing-cache`, `refund-topic`), teams
// (`falcon-team`), people and systems (`commerce-platform`), wires them together (every
// service has an owning team, a system, dependencies, datastores it reads and writes, topics,
// a technology it runs on) and writes five kinds of document about them:
//   catalog/<service>/catalog-info.yaml  Backstage Component: owner, system, dependsOn, providesApis
//   teams/<team>.md                      prose (who leads the team) + a Markdown roster table
//   systems/<system>.md                  prose (what the system groups and is for) + a data-flow
//                                        table (source | relation | target: writes_to, reads_from)
//   runbooks/<service>.txt               plain-text prose: what it runs on, what it consumes
//   postmortems/INC-<n>.md               Markdown incident reports: prose summary and root cause,
//                                        tables of impact, timeline, signals, communication, services
//                                        involved and action items
// Each fact a question asks about is stated in exactly one document (ownership and
// dependencies only in the catalog, data flows only in the system table, leadership only in
// the team prose, ...), so every question has one gold document and one gold chunk; the many
// other documents that mention the same names are the distractors retrieval must rank below it.
// Postmortems are the bulk (~3 chunks each at the chunker's default 1,200 characters): the full
// corpus is 4,180 documents, ~9.8 MB, ~10,600 chunks; `quick` (561 documents, ~1,300 chunks) is
// for trying things out, `tiny` is the second tenant. Names repeat across tenants on purpose.
// Prose extraction (compromise) costs far more per byte than tables and YAML, so the corpus is
// prose where people write prose and tables where they tabulate.
//
// The same seed always gives the same bytes (mulberry32; no clock, no Math.random).
import { seededRandom } from '../../src/core/random.js';

export interface CorpusDocument {
  readonly documentId: string;
  readonly name: string;
  readonly kind: 'catalog' | 'team' | 'system' | 'runbook' | 'postmortem';
  readonly bytes: Uint8Array;
}

export const QUESTION_KINDS = [
  'owner',
  'depends',
  'writes',
  'runs_on',
  'consumes',
  'lead',
  'member',
  'incident',
  'thematic',
] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

export interface Question {
  readonly id: string;
  readonly kind: QuestionKind;
  readonly question: string;
  /** The document whose chunk holding `evidence` answers the question. */
  readonly documentId: string;
  /** Text found verbatim in exactly one chunk of the gold document (after parsing). */
  readonly evidence: string;
  /** What the answer's text must state (matched as bench/graphrag/answer-facts.ts does). */
  readonly facts: readonly string[];
}

export interface Corpus {
  readonly tenantId: string;
  readonly documents: readonly CorpusDocument[];
  readonly questions: readonly Question[];
  /** Unlabelled questions of the same kinds about every service and team, for latency runs. */
  readonly probes: readonly string[];
}

export interface CorpusSize {
  readonly services: number;
  readonly systems: number;
  readonly teams: number;
  readonly postmortems: number;
  /** Questions per kind (thematic ones: at most two per system). */
  readonly questionsPerKind: number;
}

export const CORPUS_SIZES = {
  full: { services: 600, systems: 20, teams: 60, postmortems: 2900, questionsPerKind: 30 },
  quick: { services: 120, systems: 6, teams: 15, postmortems: 300, questionsPerKind: 12 },
  tiny: { services: 16, systems: 2, teams: 4, postmortems: 12, questionsPerKind: 3 },
} as const satisfies Record<string, CorpusSize>;

const DOMAINS = [
  'billing',
  'checkout',
  'ledger',
  'payment',
  'refund',
  'invoice',
  'pricing',
  'loyalty',
  'catalog',
  'search',
  'inventory',
  'shipping',
  'returns',
  'identity',
  'session',
  'profile',
  'consent',
  'fraud',
  'audit',
  'report',
  'payout',
  'wallet',
  'coupon',
  'review',
  'rating',
  'banner',
  'media',
  'avatar',
  'upload',
  'export',
  'import',
  'notify',
  'email',
  'mobile',
  'partner',
  'vendor',
  'supplier',
  'warehouse',
  'routing',
  'tracking',
];
const ROLES = [
  'api',
  'service',
  'worker',
  'gateway',
  'router',
  'scheduler',
  'indexer',
  'engine',
  'broker',
  'sync',
  'exporter',
  'resolver',
  'notifier',
  'auditor',
  'planner',
  'tracker',
  'validator',
  'renderer',
  'collector',
  'adapter',
];
const STORE_KINDS = ['db', 'cache', 'store', 'queue'];
const TEAM_WORDS = [
  'falcon',
  'otter',
  'heron',
  'badger',
  'lynx',
  'marten',
  'osprey',
  'puffin',
  'walrus',
  'bison',
  'condor',
  'gecko',
  'ibex',
  'jackal',
  'koala',
  'lemur',
  'magpie',
  'narwhal',
  'ocelot',
  'pelican',
  'quokka',
  'raven',
  'salmon',
  'tapir',
  'urchin',
  'viper',
  'wombat',
  'yak',
  'zebra',
  'aurora',
  'comet',
  'nebula',
  'quasar',
  'pulsar',
  'meteor',
  'zenith',
  'tundra',
  'canyon',
  'glacier',
  'harbor',
  'meadow',
  'prairie',
  'summit',
  'delta',
  'fjord',
  'lagoon',
  'mesa',
  'oasis',
  'reef',
  'savanna',
  'atlas',
  'beacon',
  'cinder',
  'ember',
  'flint',
  'granite',
  'jasper',
  'onyx',
  'quartz',
  'slate',
];
const FIRST = [
  'Omar',
  'Priya',
  'Lena',
  'Mateo',
  'Aiko',
  'Tomasz',
  'Amara',
  'Jonas',
  'Sofia',
  'Ravi',
  'Ingrid',
  'Kwame',
  'Elena',
  'Hugo',
  'Mei',
  'Diego',
  'Nadia',
  'Felix',
  'Yara',
  'Bruno',
  'Chloe',
  'Emeka',
  'Greta',
  'Ivan',
  'Leila',
  'Marco',
  'Noor',
  'Oskar',
  'Rosa',
  'Sven',
];
const LAST = [
  'Haddad',
  'Raman',
  'Novak',
  'Silva',
  'Tanaka',
  'Kowalski',
  'Okafor',
  'Berg',
  'Rossi',
  'Iyer',
  'Larsen',
  'Mensah',
  'Petrov',
  'Moreau',
  'Chen',
  'Alvarez',
  'Karimi',
  'Weber',
  'Nasser',
  'Costa',
  'Dubois',
  'Eze',
  'Lindqvist',
  'Horvat',
  'Farouk',
  'Bianchi',
  'Qureshi',
  'Nilsson',
  'Ortega',
  'Sato',
];
const SYSTEM_WORDS = [
  'commerce',
  'finance',
  'fulfilment',
  'growth',
  'trust',
  'customer',
  'merchant',
  'logistics',
  'insights',
  'content',
  'marketplace',
  'treasury',
  'compliance',
  'engagement',
  'discovery',
  'operations',
  'platform-core',
  'messaging',
  'partners',
  'supply',
];
const THEMES = [
  'settlement accuracy and end-of-day reconciliation',
  'conversion on the checkout funnel',
  'same-day delivery promises',
  'account takeover prevention',
  'search relevance and freshness',
  'merchant onboarding',
  'regulatory reporting deadlines',
  'notification deliverability',
  'catalogue data quality',
  'supplier lead times',
  'fraud loss rates',
  'mobile app start-up time',
  'promotions and coupon abuse',
  'payout timeliness for sellers',
  'customer support deflection',
  'warehouse pick rates',
  'tax correctness across regions',
  'media storage costs',
  'partner API uptime',
  'data retention and consent',
];
const TECHNOLOGIES = ['Kubernetes', 'Nomad', 'AWS Lambda', 'ECS Fargate', 'Cloud Run'];
const LANGUAGES = ['Kotlin', 'Go', 'TypeScript', 'Java', 'Python', 'Rust'];
const SYMPTOMS = [
  'returned HTTP 503 errors',
  'timed out on most requests',
  'served stale prices',
  'dropped messages',
  'double-charged a handful of customers',
  'stopped processing its backlog',
  'leaked memory until pods were evicted',
  'answered with empty results',
];
const CAUSES = [
  'an exhausted connection pool against {store}',
  'a schema migration that locked {store} for eleven minutes',
  'a retry storm after {store} failed over',
  'a certificate that expired on the path to {store}',
  'a feature flag that sent all traffic to a cold replica of {store}',
  'a disk that filled up on {store}',
  'a deploy that shipped a wrong timeout for calls to {store}',
  'an unbounded query that scanned all of {store}',
];
const ACTIONS = [
  'add a circuit breaker in front of {store}',
  'alert on pool saturation',
  'rehearse the failover of {store} every quarter',
  'automate certificate rotation',
  'cap retries with jitter',
  'add a canary stage to the deploy pipeline',
  'add a query timeout',
  'document the manual rollback steps',
];
const FILLER = [
  'Latency budgets for {service} are reviewed every quarter with product.',
  'Dashboards for {service} live in the shared observability folder.',
  'The weekly review looked at error budgets, deploy frequency and open follow-ups.',
  "Load tests replay a sample of last month's production traffic against a staging copy.",
  'Feature flags are cleaned up within two sprints of a full rollout.',
  'Capacity was planned for twice the peak of the last sales event.',
  'Alerts page the primary on-call first and the secondary after fifteen minutes.',
  'Most of the traffic arrives between 18:00 and 22:00 local time.',
  '{person} presented the findings at the engineering all-hands.',
  'Customers noticed the problem before the synthetic checks did.',
  'The change had passed code review and all automated tests.',
  'Rollbacks take about six minutes end to end.',
];

interface Service {
  readonly name: string;
  readonly domain: string;
  readonly team: string;
  readonly system: string;
  readonly dependsOn: string[];
  readonly writes: string;
  readonly reads: string;
  readonly topic: string;
  readonly tech: string;
  readonly language: string;
}

interface Team {
  readonly name: string;
  readonly lead: string;
  readonly members: string[];
  readonly domain: string;
}

const enc = new TextEncoder();

/** Generates the corpus of `tenantId` (document ids prefixed with `idPrefix`) from `seed`. */
export function generateCorpus(tenantId: string, size: CorpusSize, seed: number, idPrefix = ''): Corpus {
  const rnd = seededRandom(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const shuffled = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  };
  const fill = (text: string, v: Record<string, string>): string =>
    text.replace(/\{(\w+)\}/g, (_, k: string) => v[k] ?? k);

  // Entities.
  const serviceNames = shuffled(DOMAINS.flatMap((d) => ROLES.map((r) => `${d}-${r}`))).slice(0, size.services);
  const systems = SYSTEM_WORDS.slice(0, size.systems).map((w) => `${w}-platform`);
  const people = shuffled(FIRST.flatMap((f) => LAST.map((l) => `${f} ${l}`)));
  const teams: Team[] = shuffled(TEAM_WORDS)
    .slice(0, size.teams)
    .map((w, i) => {
      const members = people.slice(i * 6, i * 6 + 6);
      return { name: `${w}-team`, lead: members[0] as string, members, domain: pick(DOMAINS) };
    });
  const storeOf = (domain: string): string => `${domain}-${pick(STORE_KINDS)}`;
  const services: Service[] = serviceNames.map((name, i) => {
    const domain = name.slice(0, name.indexOf('-'));
    return {
      name,
      domain,
      team: (teams[i % teams.length] as Team).name,
      system: systems[i % systems.length] as string,
      dependsOn: [],
      writes: storeOf(domain),
      reads: storeOf(pick(DOMAINS)),
      topic: `${pick(DOMAINS)}-topic`,
      tech: pick(TECHNOLOGIES),
      language: pick(LANGUAGES),
    };
  });
  for (const s of services) {
    for (let k = 0, n = 1 + int(3); k < n; k++) {
      const d = pick(services).name;
      if (d !== s.name && !s.dependsOn.includes(d)) s.dependsOn.push(d);
    }
  }
  const personOf = (): string => pick(pick(teams).members);
  const filler = (n: number, s: Service): string =>
    Array.from({ length: n }, () => fill(pick(FILLER), { service: s.name, person: personOf() })).join(' ');

  const documents: CorpusDocument[] = [];
  const questions: Question[] = [];
  const add = (documentId: string, kind: CorpusDocument['kind'], text: string): string => {
    const id = `${idPrefix}${documentId}`;
    documents.push({
      documentId: id,
      name: documentId.slice(documentId.lastIndexOf('/') + 1),
      kind,
      bytes: enc.encode(text),
    });
    return id;
  };
  const ask = (
    kind: QuestionKind,
    question: string,
    documentId: string,
    evidence: string,
    facts: readonly string[],
  ): void => {
    questions.push({
      id: `${kind}-${questions.filter((q) => q.kind === kind).length + 1}`,
      kind,
      question,
      documentId,
      evidence,
      facts,
    });
  };
  const asked = (kind: QuestionKind): boolean =>
    questions.filter((q) => q.kind === kind).length >= size.questionsPerKind;

  // Backstage catalog descriptors: ownership and dependencies.
  const ownerPhrasing = ['Who owns the {s} service?', 'Which team owns {s}?', 'Who is the owner of {s}?'];
  const dependsPhrasing = [
    'What does {s} depend on?',
    'Which components does {s} depend on?',
    'What are the dependencies of {s}?',
  ];
  for (const s of services) {
    const yaml = [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      `  name: ${s.name}`,
      `  description: ${s.name} handles ${s.domain} requests for the ${s.system} system, written in ${s.language}.`,
      '  annotations:',
      `    pagerduty.com/service-id: P${(100000 + int(900000)).toString(36).toUpperCase()}`,
      `    github.com/project-slug: example/${s.name}`,
      `  tags: [${s.language.toLowerCase()}, tier-${1 + int(3)}]`,
      'spec:',
      '  type: service',
      `  lifecycle: ${pick(['production', 'production', 'experimental'])}`,
      `  owner: group:${s.team}`,
      `  system: ${s.system}`,
      '  dependsOn:',
      ...s.dependsOn.map((d) => `    - component:${d}`),
      `    - resource:${s.writes}`,
      '  providesApis:',
      `    - ${s.name}-rest`,
      '',
    ].join('\n');
    const id = add(`catalog/${s.name}/catalog-info.yaml`, 'catalog', yaml);
    if (!asked('owner')) ask('owner', fill(pick(ownerPhrasing), { s: s.name }), id, `owner: group:${s.team}`, [s.team]);
    else if (!asked('depends'))
      ask('depends', fill(pick(dependsPhrasing), { s: s.name }), id, 'dependsOn:', s.dependsOn);
  }

  // Teams: prose (who leads it) and a roster table (who is a member).
  for (const t of teams) {
    const owned = services
      .filter((s) => s.team === t.name)
      .slice(0, 3)
      .map((s) => s.name);
    const md = [
      `# ${t.name}`,
      '',
      `The ${t.name} is led by ${t.lead}. The team works mostly in the ${t.domain} area and runs a weekly on-call rotation. ` +
        `Recent work touched ${owned.join(', ')}. Planning happens every second Monday, and the team publishes its roadmap in the engineering wiki.`,
      '',
      `${t.lead} joined the company six years ago. ${filler(3, services[0] as Service)}`,
      '',
      '## Members',
      '',
      '| Name | Type | Member of | Role |',
      '|------|------|-----------|------|',
      ...t.members.map(
        (p, i) =>
          `| ${p} | person | ${t.name} | ${i === 0 ? 'engineering manager' : pick(['backend engineer', 'SRE', 'staff engineer', 'frontend engineer'])} |`,
      ),
      '',
    ].join('\n');
    const id = add(`teams/${t.name}.md`, 'team', md);
    if (!asked('lead')) ask('lead', `Who leads the ${t.name}?`, id, `The ${t.name} is led by ${t.lead}.`, [t.lead]);
    const member = t.members[1 + int(t.members.length - 1)] as string;
    if (!asked('member'))
      ask('member', `Which team is ${member} a member of?`, id, `${member} | person | ${t.name}`, [t.name]);
  }

  // Systems: what they group and are for (prose) and their data flows (a relation table).
  systems.forEach((sys, i) => {
    const members = services.filter((s) => s.system === sys);
    const theme = THEMES[i % THEMES.length] as string;
    const md = [
      `# ${sys}`,
      '',
      `The ${sys} system groups ${members.length} services, among them ${members
        .slice(0, 6)
        .map((s) => s.name)
        .join(', ')}. ` +
        `Its teams care most about ${theme}. Changes to the ${sys} system go through its architecture review, and its services share one deploy pipeline.`,
      '',
      `Themes for the year: ${theme}, cost per request, and fewer pages out of hours.`,
      '',
      '## Data flows',
      '',
      '| source | relation | target |',
      '|--------|----------|--------|',
      ...members.flatMap((s) => [`| ${s.name} | writes_to | ${s.writes} |`, `| ${s.name} | reads_from | ${s.reads} |`]),
      '',
    ].join('\n');
    const id = add(`systems/${sys}.md`, 'system', md);
    const first = `The ${sys} system groups`;
    if (questions.filter((q) => q.kind === 'thematic').length < size.questionsPerKind) {
      ask(
        'thematic',
        `Which services make up the ${sys} system?`,
        id,
        first,
        members.slice(0, 6).map((s) => s.name),
      );
      ask('thematic', `What do the teams of the ${sys} care most about?`, id, first, [theme]);
    }
    for (const s of members.slice(0, 2))
      if (!asked('writes'))
        ask('writes', `Which datastore does ${s.name} write to?`, id, `${s.name} | writes_to | ${s.writes}`, [
          s.writes,
        ]);
  });

  // Runbooks: where a service runs and what it consumes.
  for (const s of services) {
    const txt = [
      `Runbook: ${s.name}`,
      '',
      `${s.name} runs on ${s.tech} in two regions. ${s.name} consumes events from ${s.topic} and retries failed deliveries three times. ` +
        `It is written in ${s.language}. ${filler(2, s)}`,
      '',
      'Alerts',
      '',
      `High error rate: check the last deploy of ${s.name} first, then the health of its datastores. ${filler(3, s)} ` +
        'If the error rate does not recover within ten minutes, roll back and open an incident.',
      '',
      `Saturation: scale out with the standard playbook; ${s.name} is stateless and scales horizontally. ${filler(3, s)}`,
      '',
      `Escalation: page the on-call engineer through the ${s.system} rotation. ${filler(2, s)}`,
      '',
    ].join('\n');
    const id = add(`runbooks/${s.name}.txt`, 'runbook', txt);
    if (!asked('runs_on'))
      ask(
        'runs_on',
        pick(['What does {s} run on?', 'Where is {s} deployed?', 'Which platform does {s} run on?']).replace(
          '{s}',
          s.name,
        ),
        id,
        `${s.name} runs on ${s.tech}`,
        [s.tech],
      );
    else if (!asked('consumes'))
      ask(
        'consumes',
        `Which topic does ${s.name} consume events from?`,
        id,
        `${s.name} consumes events from ${s.topic}`,
        [s.topic],
      );
  }

  // Postmortems: the bulk of the corpus.
  for (let n = 0; n < size.postmortems; n++) {
    const s = pick(services);
    const inc = `INC-${10000 + n * 7 + int(7)}`;
    const store = pick([s.writes, s.reads]);
    const cause = fill(pick(CAUSES), { store });
    const p = personOf();
    const day = `2024-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
    const minutes = 5 + int(120);
    const events = [
      'Alert fired for {service}',
      '{person} acknowledged the page',
      'Incident channel opened',
      'Rollback of {service} started',
      'Traffic shifted to the other region',
      'Error rates back to normal',
      '{person} posted a status update',
      'Customer support informed',
      'Dependency owners paged',
      'Mitigation confirmed by {person}',
      'Canary checks green',
      'Incident closed',
    ];
    const timeline = events
      .slice(0, 8 + int(5))
      .map(
        (e, k) =>
          `| ${String(9 + Math.floor(k / 2)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')} | ${fill(e, { service: s.name, person: personOf() })} | ${pick(['pager', 'chat', 'status page', 'dashboard', 'deploy tool'])} |`,
      );
    const actions = Array.from(
      { length: 3 + int(3) },
      (_, k) =>
        `| AI-${n}-${k + 1} | ${fill(pick(ACTIONS), { store })} | ${personOf()} | ${pick(['open', 'in progress', 'done'])} |`,
    );
    const md = [
      `# ${inc}: ${s.name} ${pick(['degraded', 'outage', 'partial outage', 'elevated errors'])}`,
      '',
      '## Summary',
      '',
      `On ${day} ${s.name} ${pick(SYMPTOMS)} for ${minutes} minutes. ${p} was the incident commander. ${filler(3, s)}`,
      '',
      '## Impact',
      '',
      '| Metric | Value |',
      '|--------|-------|',
      `| Duration | ${minutes} minutes |`,
      `| Failed requests | ${1000 + int(90000)} |`,
      `| Customers affected | ${10 + int(5000)} |`,
      `| Severity | SEV-${1 + int(3)} |`,
      `| Detected by | ${pick(['alerting', 'a customer report', 'synthetic checks', 'an engineer'])} |`,
      '',
      '## Timeline',
      '',
      '| Time (UTC) | Event | Source |',
      '|------------|-------|--------|',
      ...timeline,
      '',
      '## Signals',
      '',
      '| Signal | Before | Peak | After |',
      '|--------|--------|------|-------|',
      ...[
        'p50 latency (ms)',
        'p99 latency (ms)',
        'error rate (%)',
        'saturation (%)',
        'queue depth',
        'restarts',
        'open connections',
        'retries per second',
      ].map((m) => `| ${m} | ${int(100)} | ${100 + int(9000)} | ${int(120)} |`),
      '',
      '## Communication',
      '',
      '| Channel | Sent at | Message |',
      '|---------|---------|---------|',
      ...['status page', 'support macro', 'partner email', 'internal announcement'].map(
        (ch) =>
          `| ${ch} | ${String(9 + int(5)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')} | ${pick(['Investigating elevated errors', 'Mitigation in progress', 'Service restored, monitoring', 'Root cause identified'])} |`,
      ),
      '',
      '## Services involved',
      '',
      '| Service | Involvement |',
      '|---------|-------------|',
      `| ${s.name} | primary |`,
      ...s.dependsOn.map((d) => `| ${d} | ${pick(['upstream', 'downstream', 'retries', 'shared datastore'])} |`),
      '',
      '## Root cause',
      '',
      `The root cause of ${inc} was ${cause}. ${filler(2, s)} ${filler(2, pick(services))}`,
      '',
      '## Action items',
      '',
      '| Id | Action | Assignee | Status |',
      '|----|--------|----------|--------|',
      ...actions,
      '',
      `The ${s.team} will ${fill(pick(ACTIONS), { store })}. ${filler(2, pick(services))}`,
      '',
    ].join('\n');
    const id = add(`postmortems/${inc}.md`, 'postmortem', md);
    if (!asked('incident'))
      ask(
        'incident',
        pick([`What was the root cause of ${inc}?`, `Why did ${inc} happen?`, `What caused incident ${inc}?`]),
        id,
        `The root cause of ${inc} was`,
        [cause],
      );
  }
  const probes = [
    ...services.flatMap((s) => [
      `Who is responsible for ${s.name}?`,
      `Which datastores does ${s.name} use?`,
      `What happened during incidents of ${s.name}?`,
    ]),
    ...teams.map((t) => `Who is in the ${t.name}?`),
    ...systems.map((sys) => `What are the biggest risks in the ${sys}?`),
  ];
  return { tenantId, documents, questions, probes };
}
