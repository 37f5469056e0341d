'use client'
// app/callback/page.tsx: <AuthProvider> finishes the sign-in here and sends the user on to
// `returnTo`; this page only has to say what happened while it works, or why it failed.
import { useAuth } from '@latchkey/react'

export default function Callback() {
  const { error, login } = useAuth()
  if (!error) return <p>Signing you in…</p>
  return (
    <main>
      <p>Signing in did not work: {error.message}</p>
      <button type="button" onClick={() => void login()}>
        Try again
      </button>
    </main>
  )
}
