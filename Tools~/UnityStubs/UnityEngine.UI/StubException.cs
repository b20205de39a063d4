// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using System;

namespace UnityStubs
{
    /// <summary>Thrown by every stub member: the stubs exist to be compiled against, never to run.</summary>
    sealed class StubException : Exception
    {
        public StubException() : base("Compile-only Unity stub called: this code runs only inside Unity.") { }
    }
}
