import { createSecretKey } from 'node:crypto';
import { decide, type Limit } from '../../src/accounts/attempt-limiter';
import { AccountInputs } from '../../src/accounts/inputs';
import { KnownDevices } from '../../src/accounts/known-devices';

const failures: Limit = { key: 'pair:a@example.com|127.0.0.1', max: 3, counts: 'failures' };
const attempts: Limit = { key: 'ip:127.0.0.1', max: 3, counts: 'attempts' };

describe('decide (one key, this attempt already recorded)', () => {
  it('proceeds while the recorded attempts, this one included, are within the limit', () => {
    expect(decide(failures, { recorded: 1, failed: 0 })).toBe('proceed');
    expect(decide(failures, { recorded: 3, failed: 2 })).toBe('proceed');
  });

  it('over the limit with settled failures short of it: others are in flight (maybe right passwords), so it waits', () => {
    expect(decide(failures, { recorded: 4, failed: 2 })).toBe('wait');
    expect(decide(failures, { recorded: 10, failed: 0 })).toBe('wait');
  });

  it('refuses once the settled failures reach the limit', () => {
    expect(decide(failures, { recorded: 4, failed: 3 })).toBe('refuse');
  });

  it('per-address limits count every attempt: over the limit is refused, never waited for', () => {
    expect(decide(attempts, { recorded: 3, failed: 0 })).toBe('proceed');
    expect(decide(attempts, { recorded: 4, failed: 0 })).toBe('refuse');
  });
});

describe('login limits', () => {
  const devices = new KnownDevices(createSecretKey(Buffer.alloc(32, 3)));
  const inputs = new AccountInputs({ passwordMinLength: 15, loginMaxPerIp: 100, loginMaxFailures: 5, loginMaxFailuresAccount: 100 }, devices);
  const client = { ip: '198.51.100.7', userAgent: null };

  it('from an unknown device: the (account, address) pair, the account from all addresses, the address', () => {
    expect(inputs.loginLimits('a@example.com', client)).toEqual([
      { key: 'pair:a@example.com|198.51.100.7', max: 5, counts: 'failures', clearOnSuccess: true },
      { key: 'account:a@example.com', max: 100, counts: 'failures' },
      { key: 'ip:198.51.100.7', max: 100, counts: 'attempts' },
    ]);
  });

  it('from a device known to this account: its own failures and the address; another account\'s cookie counts as unknown', () => {
    const token = devices.issue('a@example.com');
    const deviceId = token.split('.')[0];
    expect(inputs.loginLimits('a@example.com', { ...client, device: token })).toEqual([
      { key: `device:${deviceId}`, max: 5, counts: 'failures', clearOnSuccess: true },
      { key: 'ip:198.51.100.7', max: 100, counts: 'attempts' },
    ]);
    expect(inputs.loginLimits('b@example.com', { ...client, device: token })[0]!.key).toBe('pair:b@example.com|198.51.100.7');
    expect(devices.issue('a@example.com', token).split('.')[0]).toBe(deviceId); // the same device keeps its id
  });
});
