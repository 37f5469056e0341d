'use client'
// app/providers.tsx: the one Client Component that holds the provider. The server renders it
// too, with the client's `loading` state; the callback is handled after hydration, in the browser.
import { AuthProvider } from '@latchkey/react'
import type { ReactNode } from 'react'
import { auth } from './auth'

export function Providers({ children }: { children: ReactNode }) {
  // `onRedirect` defaults to history.replaceState(), which the App Router follows (Next.js 14.1+).
  return <AuthProvider auth={auth}>{children}</AuthProvider>
}
