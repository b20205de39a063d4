// Compile-only stub of the Unity API: no behaviour, every member throws. Lets `dotnet build` type-check the
// package's Unity glue without Unity installed. Never shipped, never referenced by Unity (Tools~ is not imported).
using UnityStubs;

namespace UnityEngine.Events
{
    public delegate void UnityAction();

    public delegate void UnityAction<T0>(T0 arg0);

    public abstract class UnityEventBase
    {
    }

    public class UnityEvent : UnityEventBase
    {
        public UnityEvent() => throw new StubException();
        public void AddListener(UnityAction call) => throw new StubException();
        public void RemoveListener(UnityAction call) => throw new StubException();
        public void Invoke() => throw new StubException();
    }

    public class UnityEvent<T0> : UnityEventBase
    {
        public UnityEvent() => throw new StubException();
        public void AddListener(UnityAction<T0> call) => throw new StubException();
        public void RemoveListener(UnityAction<T0> call) => throw new StubException();
        public void Invoke(T0 arg0) => throw new StubException();
    }
}
