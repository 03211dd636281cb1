import { given } from '@ledgerline/event-sourcing/testing';
import { decideOpen, decideWithdraw, wallet, WalletError, WalletEvent } from './wallet.decider';

const opened: WalletEvent = { type: 'WalletOpened', data: { owner: 'ada' } };
const deposited = (amount: number): WalletEvent => ({ type: 'MoneyDeposited', data: { amount } });

describe('a wallet', () => {
  it('opens once; opening it again decides nothing', () => {
    given(wallet, [])
      .when((state) => decideOpen('ada', state))
      .then([opened]);
    given(wallet, [opened])
      .when((state) => decideOpen('ada', state))
      .then([]);
  });

  it('pays out what it holds, and refuses more', () => {
    given(wallet, [opened, deposited(500)])
      .when((state) => decideWithdraw(500, state))
      .then([{ type: 'MoneyWithdrawn', data: { amount: 500 } }]);
    given(wallet, [opened, deposited(500)])
      .when((state) => decideWithdraw(501, state))
      .thenThrows(WalletError, 'INSUFFICIENT_FUNDS');
  });

  it('refuses a withdrawal from a wallet never opened', () => {
    given(wallet, [])
      .when((state) => decideWithdraw(1, state))
      .thenThrows(WalletError, 'WALLET_NOT_OPEN');
  });
});
