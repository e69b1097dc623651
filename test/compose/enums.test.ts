import { NamedVolumeStorage } from '../../lib/compose/plan';

// Enums replaced string-literal unions for jsii: their values are the old literals, so templates and plans do not change.
describe('compose enums keep the values of the string literals they replaced', () => {
  test('NamedVolumeStorage', () => {
    expect(Object.entries(NamedVolumeStorage)).toEqual([['INSTANCE', 'instance'], ['EFS', 'efs']]);
  });
});
