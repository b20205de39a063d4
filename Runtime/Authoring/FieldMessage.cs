using System;

namespace InstantIdAvatars.Authoring
{
    /// <summary>How much a message matters to the person editing the settings.</summary>
    public enum MessageSeverity
    {
        /// <summary>Worth knowing; nothing to fix.</summary>
        Info,
        /// <summary>Generation works, but the result may disappoint (slow, stretched, off-model size…).</summary>
        Warning,
        /// <summary>Generation cannot start until this is fixed.</summary>
        Error,
    }

    /// <summary>
    /// One message for the editor UI, tied to the field it is about (see <see cref="GeneratorField"/>), so a window
    /// can show it under that field (EditorGUILayout.HelpBox) and disable Generate while any is an error.
    /// </summary>
    public readonly struct FieldMessage : IEquatable<FieldMessage>
    {
        /// <summary>Creates a message.</summary>
        public FieldMessage(string field, MessageSeverity severity, string text)
        {
            Field = field ?? "";
            Severity = severity;
            Text = text ?? "";
        }

        /// <summary>The field the message is about (a <see cref="GeneratorField"/> constant, or "" for the whole form).</summary>
        public string Field { get; }

        /// <summary>Info, warning or error.</summary>
        public MessageSeverity Severity { get; }

        /// <summary>One sentence saying what is wrong and what to do.</summary>
        public string Text { get; }

        /// <summary>True for <see cref="MessageSeverity.Error"/>.</summary>
        public bool IsError => Severity == MessageSeverity.Error;

        /// <inheritdoc/>
        public bool Equals(FieldMessage other) => Field == other.Field && Severity == other.Severity && Text == other.Text;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is FieldMessage other && Equals(other);

        /// <inheritdoc/>
        public override int GetHashCode() => HashCode.Combine(Field, Severity, Text);

        /// <inheritdoc/>
        public override string ToString() => (Field.Length > 0 ? Field + ": " : "") + Severity + ": " + Text;
    }

    /// <summary>Field names used in <see cref="FieldMessage.Field"/>; a window keys its help boxes on these.</summary>
    public static class GeneratorField
    {
        public const string Identity = "Identity";
        public const string Prompt = "Prompt";
        public const string NegativePrompt = "NegativePrompt";
        public const string Preset = "Preset";
        public const string Seed = "Seed";
        public const string Steps = "Steps";
        public const string Guidance = "Guidance";
        public const string IpAdapterScale = "IpAdapterScale";
        public const string IdentityNetScale = "IdentityNetScale";
        public const string IdentityNetWindow = "IdentityNetWindow";
        public const string Size = "Size";
        public const string Scheduler = "Scheduler";
        public const string Pose = "Pose";
    }
}
