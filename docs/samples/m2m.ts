import { createClientCredentials } from '@latchkey/m2m'

const m2m = createClientCredentials({
  issuer: 'https://id.example.com',
  clientId: 'billing-worker',
  clientSecret: process.env.CLIENT_SECRET, // or privateKey: CryptoKey | { key, kid } (private_key_jwt)
  scope: 'invoices:write',
  apiOrigins: ['https://api.example.com'],
})

const body = JSON.stringify({ customer: 'c_42', amount: 1200 })
const res = await m2m.authFetch('https://api.example.com/invoices', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body,
})
console.log(res.status, await res.text())
