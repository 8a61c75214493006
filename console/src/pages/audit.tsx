// Audit: a log's events as a timeline, verification of the whole log in the browser against a
// pinned verifier key, and inclusion proofs to download. /audit picks a log; /audit/:log shows it.
import { PageHeader } from '../ui/parts';
import { TenantPicker } from '../ui/tenant-picker';
import { Timeline } from './audit/timeline';
import { VerifyPanel } from './audit/verify-panel';
import './ops-shared.css';
import './audit/audit.css';

export function AuditPage(props: Record<string, string>) {
  const log = props.log;
  if (log === undefined) return <TenantPicker page="audit" title="Audit" platform />;
  return (
    <section>
      <PageHeader title={`Audit log: ${log}`} />
      <VerifyPanel log={log} />
      <Timeline log={log} />
    </section>
  );
}
