/** The package's public API for embedding the server (the browser client is `./client`). */
export { startApp, type RunningApp, type StartOptions } from './app';
export { loadConfig, ConfigError, type Config } from './config/config';
export { buildSchema, loadTypeDefs } from './graphql/schema';
export { applyAuthDirective, type AuthDirectiveOptions } from './directives/auth-directive';
export { authReport } from './directives/report';
