using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using InstantIdAvatars.Pipeline;
using InstantIdAvatars.Profiles;

namespace InstantIdAvatars.Authoring
{
    /// <summary>One NPC of a batch: who (a photo or a saved identity profile), what to draw, and how.</summary>
    public sealed class NpcEntry
    {
        /// <summary>Display name; also the output file name (see <see cref="NpcBatch.FileNameFor"/>).</summary>
        public string Name { get; set; } = "";
        public string Prompt { get; set; } = "";
        /// <summary>Face photo path (absolute, or relative to the batch's base folder); or null when a profile is used.</summary>
        public string? PhotoPath { get; set; }
        /// <summary>Identity profile path (.iidprofile); or null when a photo is used.</summary>
        public string? ProfilePath { get; set; }
        /// <summary>Noise seed; null = a new random seed (reported in the saved PNG).</summary>
        public long? Seed { get; set; }
        /// <summary>Built-in preset name (see <see cref="GenerationPreset.BuiltIn"/>); null = none.</summary>
        public string? Preset { get; set; }
        /// <summary>1-based line of the CSV record the entry came from (0 when not from a CSV).</summary>
        public int Line { get; set; }
    }

    /// <summary>A batch file has a problem; the message names the line and what to fix.</summary>
    public sealed class NpcBatchException : InstantIdException
    {
        public NpcBatchException(int line, string problem)
            : base(line > 0 ? $"NPC list line {line}: {problem}" : "NPC list: " + problem) => Line = line;

        /// <summary>1-based line of the problem (0 = the file as a whole).</summary>
        public int Line { get; }
    }

    /// <summary>
    /// The NPC-art sample's batch logic: reads a CSV of NPCs (<c>name,prompt,photo,seed,preset</c>, RFC 4180 quoting)
    /// and turns each entry into a <see cref="GenerationRequest"/>. Engine-agnostic so the parsing is tested outside Unity.
    /// </summary>
    public static class NpcBatch
    {
        /// <summary>The header a CSV starts with (column order is free; seed and preset may be left out).</summary>
        public static readonly IReadOnlyList<string> Columns = new[] { "name", "prompt", "photo", "seed", "preset" };

        /// <summary>Most entries one list may hold.</summary>
        public const int MaxEntries = 10000;

        static readonly string[] Required = { "name", "prompt", "photo" };

        /// <summary>
        /// Parses CSV text: a header row naming the columns, then one NPC per record. Fields may be quoted
        /// ("..." with "" for a quote) and then hold commas and line breaks. Blank lines are skipped. The photo column
        /// takes a face photo or an <c>.iidprofile</c>. Throws <see cref="NpcBatchException"/> naming the line for an
        /// unknown or missing column, a wrong field count, an empty name or prompt, a seed that is not a whole number
        /// ≥ 0, an unknown preset, two entries with the same output file, or an unterminated quote.
        /// </summary>
        public static IReadOnlyList<NpcEntry> ParseCsv(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var records = ReadRecords(text);
            if (records.Count == 0)
                throw new NpcBatchException(0, "the file is empty; the first line must be the header " + string.Join(",", Columns) + ".");

            var (headerLine, header) = records[0];
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < header.Count; i++)
            {
                var name = header[i].Trim();
                if (!Columns.Contains(name, StringComparer.OrdinalIgnoreCase))
                    throw new NpcBatchException(headerLine, $"unknown column '{name}'; the columns are {string.Join(",", Columns)}.");
                if (index.ContainsKey(name))
                    throw new NpcBatchException(headerLine, $"column '{name}' appears twice.");
                index[name] = i;
            }
            foreach (var required in Required)
                if (!index.ContainsKey(required))
                    throw new NpcBatchException(headerLine, $"the header has no '{required}' column; it must name {string.Join(",", Columns)} (seed and preset may be left out).");

            var entries = new List<NpcEntry>();
            var files = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (int r = 1; r < records.Count; r++)
            {
                var (line, fields) = records[r];
                if (fields.Count != header.Count)
                    throw new NpcBatchException(line, $"{fields.Count} fields, but the header has {header.Count}; quote fields that contain commas (\"a, b\").");
                string Field(string column) => index.TryGetValue(column, out var i) ? fields[i].Trim() : "";
                var entry = new NpcEntry { Name = Field("name"), Prompt = Field("prompt"), Line = line };
                if (entry.Name.Length == 0) throw new NpcBatchException(line, "the name is empty.");
                if (entry.Prompt.Length == 0) throw new NpcBatchException(line, $"'{entry.Name}' has no prompt.");
                var photo = Field("photo");
                if (photo.Length == 0) throw new NpcBatchException(line, $"'{entry.Name}' has no photo; give a face photo or an {IdentityProfileFile.Extension} file.");
                if (photo.EndsWith(IdentityProfileFile.Extension, StringComparison.OrdinalIgnoreCase)) entry.ProfilePath = photo;
                else entry.PhotoPath = photo;
                entry.Seed = ParseSeed(Field("seed"), line);
                entry.Preset = ParsePreset(Field("preset"), line);
                var file = FileNameFor(entry.Name, line);
                if (files.TryGetValue(file, out var first))
                    throw new NpcBatchException(line, $"'{entry.Name}' would overwrite the image of line {first} ({file}); give every NPC its own name.");
                files[file] = line;
                entries.Add(entry);
                if (entries.Count > MaxEntries)
                    throw new NpcBatchException(line, $"more than {MaxEntries} NPCs; split the list.");
            }
            return entries;
        }

        static long? ParseSeed(string text, int line)
        {
            if (text.Length == 0) return null;
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
                throw new NpcBatchException(line, $"seed '{text}' is not a whole number ≥ 0; use digits only (e.g. 42), or leave it empty for a random seed.");
            return seed;
        }

        static string? ParsePreset(string text, int line)
        {
            if (text.Length == 0) return null;
            var preset = GenerationPreset.BuiltIn.FirstOrDefault(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase));
            if (preset == null)
                throw new NpcBatchException(line, $"there is no preset '{text}'; use one of {string.Join(", ", GenerationPreset.BuiltIn.Select(p => p.Name))} or leave it empty.");
            return preset.Name;
        }

        /// <summary>
        /// Splits CSV text into records of fields, each with the 1-based line it starts on. RFC 4180: a field in double
        /// quotes may hold commas, line breaks and "" (a quote); CRLF, LF and CR all end a record.
        /// </summary>
        internal static List<(int Line, List<string> Fields)> ReadRecords(string text)
        {
            var records = new List<(int, List<string>)>();
            var fields = new List<string>();
            var field = new StringBuilder();
            int line = 1, recordLine = 1, quoteLine = 0;
            bool quoted = false, wasQuoted = false, any = false;
            int i = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0; // a UTF-8 BOM read as text

            void EndField()
            {
                fields.Add(field.ToString());
                field.Clear();
                wasQuoted = false;
            }
            void EndRecord()
            {
                EndField();
                // a blank line is one empty unquoted field: skip it
                if (any || fields.Count > 1) records.Add((recordLine, fields));
                fields = new List<string>();
                any = false;
            }

            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                        else quoted = false;
                    }
                    else
                    {
                        if (c == '\n' || (c == '\r' && !(i + 1 < text.Length && text[i + 1] == '\n'))) line++;
                        field.Append(c);
                    }
                    continue;
                }
                switch (c)
                {
                    case '"':
                        if (field.ToString().Trim().Length > 0 || wasQuoted)
                            throw new NpcBatchException(line, "a quote in the middle of a field; put the whole field in quotes and double the inner quotes (\"say \"\"hi\"\"\").");
                        field.Clear();
                        quoted = wasQuoted = any = true;
                        quoteLine = line;
                        break;
                    case ',':
                        any = true;
                        EndField();
                        break;
                    case '\r':
                    case '\n':
                        if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                        EndRecord();
                        line++;
                        recordLine = line;
                        break;
                    default:
                        if (wasQuoted)
                        {
                            if (char.IsWhiteSpace(c)) break;
                            throw new NpcBatchException(line, "text after a closing quote; put a comma between fields.");
                        }
                        if (!char.IsWhiteSpace(c)) any = true;
                        field.Append(c);
                        break;
                }
            }
            if (quoted) throw new NpcBatchException(quoteLine, "a quoted field is never closed; add the closing \".");
            EndRecord();
            return records;
        }

        /// <summary>
        /// The output file name of an NPC: its name with characters that are not allowed in file names on Windows,
        /// macOS or Linux replaced by '_', plus ".png".
        /// </summary>
        public static string FileNameFor(string name, int line = 0)
        {
            if (name == null) throw new ArgumentNullException(nameof(name));
            var invalid = "<>:\"/\\|?*";
            var chars = name.Trim().Select(c => c < 32 || invalid.IndexOf(c) >= 0 ? '_' : c).ToArray();
            var safe = new string(chars).TrimEnd('.', ' ');
            if (safe.Length == 0 || safe.All(c => c == '_' || c == '.'))
                throw new NpcBatchException(line, $"the name '{name}' has no characters usable in a file name.");
            // Windows reserves these device names, with any extension
            var stem = safe.Split('.')[0];
            if (new[] { "CON", "PRN", "AUX", "NUL" }.Contains(stem, StringComparer.OrdinalIgnoreCase) ||
                (stem.Length == 4 && (stem.StartsWith("COM", StringComparison.OrdinalIgnoreCase) || stem.StartsWith("LPT", StringComparison.OrdinalIgnoreCase)) && char.IsDigit(stem[3])))
                safe = "_" + safe;
            return safe + ".png";
        }

        /// <summary>
        /// The request for one NPC: the identity (relative paths taken under <paramref name="baseFolder"/>, e.g. the
        /// Unity project folder), the prompt, then the preset's values, then the seed. Apply a settings asset's
        /// defaults first by passing them in <paramref name="defaults"/>.
        /// </summary>
        public static GenerationRequest CreateRequest(NpcEntry entry, string baseFolder, Action<GenerationRequest>? defaults = null)
        {
            if (entry == null) throw new ArgumentNullException(nameof(entry));
            if (string.IsNullOrEmpty(baseFolder)) throw new ArgumentException("Give the folder relative paths start from.", nameof(baseFolder));
            var request = new GenerationRequest { Prompt = entry.Prompt };
            defaults?.Invoke(request);
            if (!string.IsNullOrWhiteSpace(entry.PhotoPath)) request.FacePhotoPaths.Add(Resolve(entry.PhotoPath!, baseFolder));
            else if (!string.IsNullOrWhiteSpace(entry.ProfilePath)) request.ProfilePath = Resolve(entry.ProfilePath!, baseFolder);
            else throw new NpcBatchException(entry.Line, $"'{entry.Name}' has neither a photo nor an identity profile.");
            if (!string.IsNullOrEmpty(entry.Preset)) GenerationPreset.Get(entry.Preset!).ApplyTo(request);
            if (entry.Seed.HasValue) request.Seed = entry.Seed.Value;
            return request;
        }

        static string Resolve(string path, string baseFolder) =>
            Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(baseFolder, path));
    }
}
