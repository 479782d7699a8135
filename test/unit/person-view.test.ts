import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FieldCrypto } from '../../src/crypto/field-crypto.ts';
import { PersonService } from '../../src/identity/persons.ts';
import type { PersonRow } from '../../src/store/persons.ts';
import { PasswordHasher } from '../../src/authn/password.ts';
import type { PersonStore } from '../../src/store/persons.ts';

/** Real AES-GCM, counting what is opened. */
class CountingCrypto extends FieldCrypto {
  opened: string[] = [];
  override decrypt(sealed: string, context: string): string {
    this.opened.push(context);
    return super.decrypt(sealed, context);
  }
}

describe('the decrypted view of a person', () => {
  const crypto = new CountingCrypto([randomBytes(32)]);
  const service = new PersonService(undefined as unknown as PersonStore, crypto, new PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }));
  const row: PersonRow = {
    id: 'p1', status: 'active', phone_verified_at: null, created_at: new Date(0), updated_at: new Date(0),
    name_enc: crypto.encrypt('张三', 'person.name'), id_number_enc: crypto.encrypt('11010519491231002X', 'person.id_number'),
    phone_enc: crypto.encrypt('13900001234', 'person.phone'), id_number_bidx: 'x', phone_bidx: 'y',
  };

  it('opens a field only when it is read, and only once', () => {
    crypto.opened = [];
    const p = service.decrypt(row);
    expect(crypto.opened).toEqual([]);
    expect(p.name).toBe('张三');
    expect(p.name).toBe('张三');
    expect(crypto.opened).toEqual(['person.name']);
  });

  it('still reads as a whole (spread, JSON) and cannot be changed', () => {
    const p = service.decrypt(row);
    expect({ ...p }).toMatchObject({ id: 'p1', name: '张三', idNumber: '11010519491231002X', phone: '13900001234', status: 'active' });
    expect(JSON.parse(JSON.stringify(p)).idNumber).toBe('11010519491231002X');
    expect(() => { (p as { status: string }).status = 'disabled'; }).toThrow(TypeError);
  });
});

describe('the person behind an id', () => {
  const crypto = new CountingCrypto([randomBytes(32)]);
  const sealed = (name: string): PersonRow => Object.freeze({
    id: 'p1', status: 'active', phone_verified_at: null, created_at: new Date(0), updated_at: new Date(0),
    name_enc: crypto.encrypt(name, 'person.name'), id_number_enc: crypto.encrypt('11010519491231002X', 'person.id_number'),
    phone_enc: crypto.encrypt('13900001234', 'person.phone'), id_number_bidx: 'x', phone_bidx: 'y',
  });
  // The store hands out its cached row while it holds it, and a new object once the row changed.
  let current = sealed('张三');
  const store = { findById: async () => current } as unknown as PersonStore;
  const service = new PersonService(store, crypto, new PasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 }));

  it('decrypts a field once for as long as the store holds the same row', async () => {
    crypto.opened = [];
    expect((await service.get('p1'))!.name).toBe('张三');
    expect((await service.get('p1'))!.name).toBe('张三');
    expect(crypto.opened).toEqual(['person.name']);
  });

  it('reads the new row once the store has another', async () => {
    current = sealed('李四');
    crypto.opened = [];
    expect((await service.get('p1'))!.name).toBe('李四');
    expect(crypto.opened).toEqual(['person.name']);
  });
});
