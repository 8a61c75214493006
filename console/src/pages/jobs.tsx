// Jobs: /jobs picks a tenant, /jobs/:tenantId is its live queue, /jobs/:tenantId/:jobId a job.
import { TenantPicker } from '../ui/tenant-picker';
import { JobDetail } from './jobs/job-detail';
import { JobQueue } from './jobs/job-queue';
import './ops-shared.css';
import './jobs/jobs.css';

export function JobsPage(props: Record<string, string>) {
  const { tenantId, jobId } = props;
  if (tenantId === undefined) return <TenantPicker page="jobs" title="Jobs" />;
  if (jobId !== undefined) return <JobDetail tenantId={tenantId} jobId={jobId} />;
  return <JobQueue tenantId={tenantId} />;
}
