/** The package's public API for embedding the server (the browser client is `./client`). */
export { startApp, type RunningApp, type StartOptions } from './app';
export { loadConfig, ConfigError, type Config } from './config/config';
export { buildSchema, schemaParts, loadTypeDefs } from './graphql/schema';
export type { SchemaModule } from './graphql/schema-module';
export { applyAuthDirective, type AuthDirectiveOptions } from './graphql/auth/directive';
export { authReport } from './graphql/auth/report';
export { DomainError } from './errors';
