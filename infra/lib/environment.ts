import type { OrderDatabase } from './database.js';
import { DATABASE_NAME } from './database.js';

/** What a flashsale process in AWS is wired to. */
export interface RuntimeWiring {
  database?: OrderDatabase;
}

/**
 * The environment every flashsale process in AWS starts with (read by
 * src/config/config.ts). The bus is SNS + SQS, found by the study's names, which
 * are also the config defaults. With a database the store is PostgreSQL: the URL
 * carries no credentials, node-postgres takes them from PGUSER/PGPASSWORD, which
 * services get as ECS secrets and the function as a deploy-time reference.
 */
export function runtimeEnvironment(wiring: RuntimeWiring): Record<string, string> {
  const env: Record<string, string> = {
    FLASHSALE_BUS: 'sqs',
    FLASHSALE_STORE: wiring.database ? 'postgres' : 'sqlite',
    FLASHSALE_LOG_LEVEL: 'info',
  };
  if (wiring.database) {
    const { dbInstanceEndpointAddress: host, dbInstanceEndpointPort: port } = wiring.database.instance;
    // RDS for PostgreSQL 15+ requires TLS; its certificate is signed by the RDS CA, which Node does not
    // ship, so the connection is encrypted without verifying the server (it is inside the VPC).
    env.DATABASE_URL = `postgres://${host}:${port}/${DATABASE_NAME}?sslmode=no-verify`;
  }
  return env;
}
