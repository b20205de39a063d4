using System;
using System.Collections.Generic;
using System.Linq;
using InstantIdAvatars.Authoring;
using InstantIdAvatars.Unity;
using UnityEngine;

namespace InstantIdAvatars.Samples.NpcArt
{
    /// <summary>One NPC in the list: who (a face photo or an identity profile), what to draw, with which seed and style.</summary>
    [Serializable]
    public sealed class NpcListEntry
    {
        public string name = "";
        [TextArea(1, 4)] public string prompt = "";
        [Tooltip("Face photo, relative to the project folder (e.g. Assets/Faces/ada.jpg) or absolute.")]
        public string photoPath = "";
        [Tooltip("Identity profile (.iidprofile), used when no photo is set.")]
        public string profilePath = "";
        [Tooltip("Negative = a new random seed each time (the PNG records the one used).")]
        public long seed = -1;
        [Tooltip("A built-in preset name (portrait, npc-fantasy, npc-scifi, npc-watercolor, full-body, lcm) or empty.")]
        public string preset = "npc-fantasy";
    }

    /// <summary>
    /// A list of NPCs to draw, generated in one batch by Tools → InstantID → Generate NPC Art into
    /// <see cref="OutputFolder"/>/&lt;name&gt;.png. Import it from a CSV (name,prompt,photo,seed,preset) with
    /// Tools → InstantID → Import NPC CSV.
    /// </summary>
    [CreateAssetMenu(fileName = "NpcList", menuName = "InstantID Avatars/Samples/NPC List")]
    public sealed class NpcList : ScriptableObject
    {
        [Tooltip("Model set and generation defaults.")]
        [SerializeField] InstantIdSettings? _settings = null;
        [Tooltip("Where the images go, relative to the project folder.")]
        [SerializeField] string _outputFolder = "Assets/InstantID/NPCs";
        [SerializeField] List<NpcListEntry> _entries = new List<NpcListEntry>();

        public InstantIdSettings? Settings { get => _settings; set => _settings = value; }
        public string OutputFolder { get => _outputFolder; set => _outputFolder = value; }
        public List<NpcListEntry> Entries => _entries;

        /// <summary>The entries as the batch logic reads them (line = position in the list, 1-based).</summary>
        public IReadOnlyList<NpcEntry> ToBatch() => _entries.Select((e, i) => new NpcEntry
        {
            Name = e.name.Trim(),
            Prompt = e.prompt,
            PhotoPath = string.IsNullOrWhiteSpace(e.photoPath) ? null : e.photoPath.Trim(),
            ProfilePath = string.IsNullOrWhiteSpace(e.profilePath) ? null : e.profilePath.Trim(),
            Seed = e.seed >= 0 ? e.seed : (long?)null,
            Preset = string.IsNullOrWhiteSpace(e.preset) ? null : e.preset.Trim(),
            Line = i + 1,
        }).ToList();

        /// <summary>Replaces the entries with parsed ones (from <see cref="NpcBatch.ParseCsv"/>).</summary>
        public void ReplaceWith(IEnumerable<NpcEntry> entries)
        {
            _entries = entries.Select(e => new NpcListEntry
            {
                name = e.Name,
                prompt = e.Prompt,
                photoPath = e.PhotoPath ?? "",
                profilePath = e.ProfilePath ?? "",
                seed = e.Seed ?? -1,
                preset = e.Preset ?? "",
            }).ToList();
        }
    }
}
