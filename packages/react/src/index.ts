'use client'
// @latchkey/react: React bindings for Latchkey. Re-exports @latchkey/core, so apps install one package.
export * from '@latchkey/core'
export { AuthProvider, type AuthProviderProps } from './AuthProvider.js'
export { RequireAuth, type RequireAuthProps } from './RequireAuth.js'
export { type AuthMethods, type UseAuthResult, useAuth } from './useAuth.js'
