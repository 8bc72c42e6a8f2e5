import type { RouteHandler } from '../http/server';
import { demoRoutes } from './demo/serve';
import type { MailCatcher } from './mail-catcher';
import { sendMailbox } from './mail-page';

/**
 * Development pages: the demo (with the pages that messages link to, /verify-email and
 * /reset-password) and, with the embedded mail catcher, /dev/mail. Never loaded in production.
 */
export function developmentRoutes(options: { demo: boolean; mail?: MailCatcher }): { routes: RouteHandler; stop: () => Promise<void> } {
  const demo = options.demo ? demoRoutes() : undefined;
  const routes: RouteHandler = async (path, req, res) => {
    if (options.mail && (path === '/dev/mail' || path === '/dev/mail/')) {
      sendMailbox(req, res, options.mail);
      return true;
    }
    return demo ? demo.routes(path, req, res) : false;
  };
  return { routes, stop: async () => demo?.stop() };
}
