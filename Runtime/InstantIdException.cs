using System;

namespace InstantIdAvatars
{
    /// <summary>
    /// Base of every error the package raises on purpose. Messages say what went wrong and what to do about it,
    /// so a game can show them to a designer or player as they are.
    /// </summary>
    public class InstantIdException : Exception
    {
        public InstantIdException(string message) : base(message) { }
        public InstantIdException(string message, Exception inner) : base(message, inner) { }
    }
}
