import type { OwnerAccess } from "@/lib/security/owner";
import { SignIn } from "./SignIn";

const CODE = "rounded bg-neutral-100 px-1 py-0.5 font-mono text-[0.8125rem] dark:bg-neutral-800";

/**
 * What a usage page shows someone who is not (yet) the owner (lib/security/owner.ts): the sign-in form when ADMIN_TOKEN
 * is set, a pointer to Cloudflare Access when only Access is, and how to set either up when neither is.
 */
export function OwnerLocked({ access }: { access: OwnerAccess }) {
  return (
    <main data-testid="owner-locked" className="flex flex-1 flex-col items-center overflow-y-auto px-4 pt-[12vh] pb-14">
      <div className="w-full max-w-sm">
        <h1 className="text-xl font-semibold tracking-tight text-neutral-900 dark:text-neutral-50">Usage</h1>
        {!access.configured ? (
          <div data-testid="owner-not-configured" className="mt-3 space-y-3 text-sm text-neutral-600 dark:text-neutral-400">
            <p>Usage is for this deployment&apos;s owner, and no way to sign in is set up yet, so it is shown to nobody.</p>
            <p>
              Set a password of at least 16 characters as <code className={CODE}>ADMIN_TOKEN</code>, e.g.{" "}
              <code className={`${CODE} break-all`}>openssl rand -base64 24 | npx wrangler secret put ADMIN_TOKEN</code>,
              or put this page behind Cloudflare Access and set <code className={CODE}>ACCESS_TEAM_DOMAIN</code> and{" "}
              <code className={CODE}>ACCESS_AUD</code>.
            </p>
          </div>
        ) : access.tokenSignIn ? (
          <>
            <p className="mt-3 text-sm text-neutral-600 dark:text-neutral-400">
              For this deployment&apos;s owner. Sign in with the password set as <code className={CODE}>ADMIN_TOKEN</code>.
            </p>
            <SignIn />
          </>
        ) : (
          <p data-testid="owner-access-only" className="mt-3 text-sm text-neutral-600 dark:text-neutral-400">
            For this deployment&apos;s owner, who signs in through Cloudflare Access. This request did not come through
            Access: open this page at the address your Access application protects.
          </p>
        )}
      </div>
    </main>
  );
}
