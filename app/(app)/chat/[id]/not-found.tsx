import { SidebarToggle } from "@/components/sidebar/SidebarToggle";
import { AppLink } from "@/components/ui/AppLink";
import { PlusIcon } from "@/components/ui/icons";

export default function ChatNotFound() {
  return (
    <>
      <div className="flex h-14 shrink-0 items-center px-3 sm:px-4">
        <SidebarToggle />
      </div>
    <main
      data-testid="chat-not-found"
      className="flex flex-1 flex-col items-center justify-center gap-3 px-6 pb-14 text-center"
    >
      <p className="text-sm font-medium text-neutral-500 dark:text-neutral-400">404</p>
      <h1 className="text-2xl font-semibold tracking-tight">This chat does not exist</h1>
      <p className="max-w-sm text-sm text-neutral-500 dark:text-neutral-400">
        It may have been deleted, or it belongs to another browser. Conversations are kept per browser.
      </p>
      <AppLink
        href="/"
        className="mt-3 inline-flex h-9 items-center gap-1.5 rounded-lg bg-neutral-900 px-3.5 text-sm font-medium text-white hover:bg-neutral-700 dark:bg-white dark:text-neutral-900 dark:hover:bg-neutral-200"
      >
        <PlusIcon />
        Start a new chat
      </AppLink>
    </main>
    </>
  );
}
