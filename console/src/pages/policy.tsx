// Policy: /policy picks an owner, /policy/:tenantId (or 'platform') shows its bundles, the active
// one and the history, the differences between two, the decision log and explain.
import { PageHeader } from '../ui/parts';
import { TenantPicker } from '../ui/tenant-picker';
import { Bundles } from './policy/bundles';
import { Decisions } from './policy/decisions';
import './ops-shared.css';
import './policy/policy.css';

export function PolicyPage(props: Record<string, string>) {
  const owner = props.tenantId;
  if (owner === undefined) return <TenantPicker page="policy" title="Policy" platform />;
  return (
    <section>
      <PageHeader title={`Policy: ${owner}`} />
      <Bundles owner={owner} />
      <Decisions owner={owner} />
    </section>
  );
}
