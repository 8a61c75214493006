// PLACEHOLDER: replaced by the page's real implementation.
import { PageHeader } from '../ui/parts';

export function TenantDetail(_props: Record<string, string>) {
  return (
    <section>
      <PageHeader title="Tenant" />
    </section>
  );
}
