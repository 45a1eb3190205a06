// Replaced by the service bring-up (PostgreSQL, Redis, Temporal) for the suite.
export default function setup(): void {}
