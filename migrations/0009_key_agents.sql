-- 0009: keys for automation (issue 14). A key may be bound to client networks (CIDR list;
-- empty: any address) and marked as an AI agent's (agent name, crew). The identity check
-- reads them from the in-memory directory; the audit event, decision log, logs and spans
-- carry the agent. api_keys keeps its forced row-level security (0001).
alter table api_keys add column allowed_cidrs text[] not null default '{}';
alter table api_keys add column agent_name text;
alter table api_keys add column agent_crew text;
