// Every workflow the worker runs; the worker bundles this file.
export { migrateTenantsWorkflow } from './migrate-tenants/migrate-tenants.workflow.js';
