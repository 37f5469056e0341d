'use client'
// The React context that carries the Auth client from <AuthProvider> to useAuth() and <RequireAuth>.
import type { Auth } from '@latchkey/core'
import { createContext, useContext } from 'react'

/** The client given to the nearest {@link AuthProvider}, or `null` outside any provider. */
export const AuthContext = createContext<Auth | null>(null)

/**
 * The nearest provider's client.
 * @throws Error when no {@link AuthProvider} is above the calling component.
 */
export function useAuthClient(): Auth {
  const auth = useContext(AuthContext)
  if (auth === null) {
    throw new Error(
      'useAuth() was called outside <AuthProvider>: wrap the tree in <AuthProvider auth={auth}>.',
    )
  }
  return auth
}
