/*
 * Provides std::ios_base_library_init() (GCC 13's GLIBCXX_3.4.32 marker) for a libstdc++ that predates it
 * (GCC 12: Debian 12, Ubuntu 22.04). GCC 13 headers stop giving every TU that includes <iostream> its own
 * static ios_base::Init and instead reference this symbol, relying on libstdc++ >= 13 to initialize the
 * standard streams itself. An older libstdc++ does not, so this shim holds one ios_base::Init for the
 * lifetime of the process that loads it. Written in C (the mangled names are stable ABI) so it builds with
 * a bare `cc`; linked against libstdc++ for the constructor/destructor.
 */

/* sizeof(std::ios_base::Init) == 1: an empty class with a static reference count. */
static unsigned char ios_init_object;
static int ios_init_done;

extern void _ZNSt8ios_base4InitC1Ev(void *self); /* std::ios_base::Init::Init()  */
extern void _ZNSt8ios_base4InitD1Ev(void *self); /* std::ios_base::Init::~Init() */

/* std::ios_base_library_init(): idempotent, also run when the shim is loaded. */
__attribute__((visibility("default"))) void _ZSt21ios_base_library_initv(void)
{
    if (!ios_init_done) {
        _ZNSt8ios_base4InitC1Ev(&ios_init_object);
        ios_init_done = 1;
    }
}

__attribute__((constructor)) static void shim_load(void)
{
    _ZSt21ios_base_library_initv();
}

/* Balances the reference count so std::cout & co. are flushed when the process exits. */
__attribute__((destructor)) static void shim_unload(void)
{
    if (ios_init_done) {
        _ZNSt8ios_base4InitD1Ev(&ios_init_object);
        ios_init_done = 0;
    }
}
