import { Link, PageHeader } from '../ui/parts';

export function NotFound() {
  return (
    <section>
      <PageHeader title="Not found" />
      <p>
        No console page is at this address. <Link to="/">Go to the overview</Link>.
      </p>
    </section>
  );
}
