# Every variable is typed and described; those with a range are validated, so a bad value fails at
# `terraform plan` with the variable's name rather than as a broken deployment.

# --- the account and the names -----------------------------------------------------------------

variable "aws_region" {
  type        = string
  description = "Region for everything but CloudFront's certificate. Must be one where SES receives email (e.g. us-east-1, us-west-2, eu-west-1)."
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-west-2."
  }
}

variable "environment" {
  type        = string
  description = "Short environment name, part of every resource name (charterhand-<environment>-...)."
  default     = "prod"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,11}$", var.environment))
    error_message = "environment must be 1-12 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags on every resource (Application, Environment and ManagedBy are always set)."
  default     = {}
}

# --- mail --------------------------------------------------------------------------------------

variable "inbound_recipient" {
  type        = string
  description = "The address SES receives booking mail at, e.g. bookings@in.jada.example. Its domain's MX must point at SES (see README)."

  validation {
    condition     = can(regex("^[a-z0-9._+-]+@[a-z0-9.-]+\\.[a-z]{2,}$", var.inbound_recipient))
    error_message = "inbound_recipient must be a lowercase email address."
  }
}

variable "from_address" {
  type        = string
  description = "Sender of crew and manager emails; its domain becomes a verified SES identity with Easy DKIM and a custom MAIL FROM."

  validation {
    condition     = can(regex("^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.from_address))
    error_message = "from_address must be an email address."
  }
}

variable "manager_address" {
  type        = string
  description = "The booking manager: receives summaries, and is the Reply-To of crew emails."

  validation {
    condition     = can(regex("^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.manager_address))
    error_message = "manager_address must be an email address."
  }
}

variable "mail_from_subdomain" {
  type        = string
  description = "Label of the custom MAIL FROM domain under the From domain (bounce -> bounce.<from domain>), so SPF aligns."
  default     = "bounce"

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", var.mail_from_subdomain))
    error_message = "mail_from_subdomain must be a single DNS label."
  }
}

variable "dmarc_policy" {
  type        = string
  description = "Policy of the suggested DMARC record for the From domain (an output; DNS is yours to publish)."
  default     = "quarantine"

  validation {
    condition     = contains(["none", "quarantine", "reject"], var.dmarc_policy)
    error_message = "dmarc_policy must be none, quarantine or reject."
  }
}

variable "activate_receipt_rule_set" {
  type        = bool
  description = "Make charterhand's receipt rule set the active one. A region has one active set per account, so activating ours deactivates any other (and that application's inbound mail): false (the default) leaves the choice to the owner, and the receipt_rule_set_activation output says what to run."
  default     = false
}

variable "raw_mail_retention_days" {
  type        = number
  description = "Days raw inbound mail is kept under raw/ before it expires (replays need it until then)."
  default     = 90

  validation {
    condition     = var.raw_mail_retention_days >= 7 && var.raw_mail_retention_days <= 3650 && floor(var.raw_mail_retention_days) == var.raw_mail_retention_days
    error_message = "raw_mail_retention_days must be a whole number from 7 (longer than the DLQ's 14-day life is wiser) to 3650."
  }
}

# --- the queue ---------------------------------------------------------------------------------

variable "visibility_timeout_seconds" {
  type        = number
  description = "Bookings queue visibility timeout; must exceed the worker's longest step (its lease). Also the worker's setting of the same name."
  default     = 120

  validation {
    condition     = var.visibility_timeout_seconds >= 10 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds must be between 10 and 43200 (SQS's limit)."
  }
}

variable "max_receive_count" {
  type        = number
  description = "Receives after which the worker dead-letters a message that keeps failing, with its reason (the worker's setting of the same name)."
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number from 1 to 1000."
  }
}

variable "redrive_max_receive_count" {
  type        = number
  description = "maxReceiveCount of the queue's redrive policy: the safety net for a worker that dies on a message. Above max_receive_count, so the worker dead-letters first, with a reason."
  default     = 8

  validation {
    condition     = var.redrive_max_receive_count >= 2 && var.redrive_max_receive_count <= 1000 && floor(var.redrive_max_receive_count) == var.redrive_max_receive_count
    error_message = "redrive_max_receive_count must be a whole number from 2 to 1000."
  }
}

variable "queue_retention_seconds" {
  type        = number
  description = "How long the bookings queue keeps an unprocessed message. The DLQ always keeps 14 days."
  default     = 345600

  validation {
    condition     = var.queue_retention_seconds >= 60 && var.queue_retention_seconds <= 1209600
    error_message = "queue_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

# --- alarms ------------------------------------------------------------------------------------

variable "alarm_email" {
  type        = string
  description = "Who is told about dead letters, a stuck queue, bounces and complaints (an SNS email subscription; confirm the email AWS sends)."

  validation {
    condition     = can(regex("^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", var.alarm_email))
    error_message = "alarm_email must be an email address."
  }
}

variable "oldest_message_alarm_seconds" {
  type        = number
  description = "Alarm when the oldest message in the bookings queue is older than this (the worker is down or stuck)."
  default     = 900

  validation {
    condition     = var.oldest_message_alarm_seconds >= 60 && var.oldest_message_alarm_seconds <= 1209600
    error_message = "oldest_message_alarm_seconds must be between 60 and 1209600."
  }
}

variable "bounce_rate_alarm_threshold" {
  type        = number
  description = "Alarm when SES's account bounce rate exceeds this share (SES reviews accounts at 5 %, pauses at 10 %)."
  default     = 0.04

  validation {
    condition     = var.bounce_rate_alarm_threshold > 0 && var.bounce_rate_alarm_threshold < 1
    error_message = "bounce_rate_alarm_threshold must be a share between 0 and 1."
  }
}

# --- state -------------------------------------------------------------------------------------

variable "deletion_protection" {
  type        = bool
  description = "Protect the state table from deletion (turn off only to tear an environment down)."
  default     = true
}

# --- site and photos ---------------------------------------------------------------------------

variable "site_domain" {
  type        = string
  description = "Host name guests and crew open pages at, e.g. charters.jada.example; a CNAME/alias to the distribution is yours to publish."

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$", var.site_domain))
    error_message = "site_domain must be a lowercase DNS name without scheme or path."
  }
}

variable "site_certificate_arn" {
  type        = string
  description = "ACM certificate for site_domain, issued in us-east-1 (CloudFront's requirement)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/", var.site_certificate_arn))
    error_message = "site_certificate_arn must be an ACM certificate ARN in us-east-1."
  }
}

variable "cloudfront_price_class" {
  type        = string
  description = "CloudFront price class; the default serves North America and Europe."
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.cloudfront_price_class)
    error_message = "cloudfront_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "photos_retention_days" {
  type        = number
  description = "Days guests' photos are kept before they expire."
  default     = 365

  validation {
    condition     = var.photos_retention_days >= 1 && var.photos_retention_days <= 3650 && floor(var.photos_retention_days) == var.photos_retention_days
    error_message = "photos_retention_days must be a whole number from 1 to 3650."
  }
}

# --- the links API -----------------------------------------------------------------------------

variable "api_package" {
  type        = string
  description = "Path of the links API's Lambda zip, built by `make api-package`; null means build/api-lambda.zip at the repository root."
  default     = null
}

variable "api_handler" {
  type        = string
  description = "The Lambda handler inside the package (module.function)."
  default     = "api.lambda_function.handler"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_.]*\\.[a-z_][a-z0-9_]*$", var.api_handler))
    error_message = "api_handler must be a dotted module path and function name."
  }
}

variable "lambda_architecture" {
  type        = string
  description = "CPU architecture of the links API Lambda; the package must be built for it (make api-package ARCH=...)."
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "api_memory_mb" {
  type        = number
  description = "Memory of the links API Lambda (bcrypt checks are CPU-bound; CPU grows with memory)."
  default     = 512

  validation {
    condition     = var.api_memory_mb >= 128 && var.api_memory_mb <= 10240
    error_message = "api_memory_mb must be between 128 and 10240."
  }
}

variable "api_timeout_seconds" {
  type        = number
  description = "Timeout of the links API Lambda; below API Gateway's 30 s integration limit."
  default     = 10

  validation {
    condition     = var.api_timeout_seconds >= 1 && var.api_timeout_seconds <= 29
    error_message = "api_timeout_seconds must be between 1 and 29."
  }
}

variable "api_reserved_concurrency" {
  type        = number
  description = "Concurrency reserved for the links API (a ceiling on cost and on the table's write rate); null leaves it unreserved. A new account's Lambda concurrency limit can be 10, and AWS refuses to reserve any of it (at least 10 must stay unreserved), so set this only on an account whose limit allows it."
  default     = null

  validation {
    condition     = var.api_reserved_concurrency == null || try(var.api_reserved_concurrency >= 1 && var.api_reserved_concurrency <= 1000, false)
    error_message = "api_reserved_concurrency must be null (unreserved) or between 1 and 1000."
  }
}

variable "api_throttle_rate" {
  type        = number
  description = "Steady requests per second the links API accepts before API Gateway answers 429."
  default     = 20

  validation {
    condition     = var.api_throttle_rate >= 1 && var.api_throttle_rate <= 10000
    error_message = "api_throttle_rate must be between 1 and 10000."
  }
}

variable "api_throttle_burst" {
  type        = number
  description = "Burst of requests the links API accepts above the steady rate."
  default     = 40

  validation {
    condition     = var.api_throttle_burst >= 1 && var.api_throttle_burst <= 5000
    error_message = "api_throttle_burst must be between 1 and 5000."
  }
}

# --- the worker service ------------------------------------------------------------------------

variable "worker_image_tag" {
  type        = string
  description = "Tag of the worker image in this ECR repository (tags are immutable: use the git SHA or a version)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.worker_image_tag)) && var.worker_image_tag != "latest"
    error_message = "worker_image_tag must be a valid image tag other than latest."
  }
}

variable "worker_architecture" {
  type        = string
  description = "CPU architecture of the worker's Fargate tasks; the image must be built for it (docker buildx --platform)."
  default     = "ARM64"

  validation {
    condition     = contains(["ARM64", "X86_64"], var.worker_architecture)
    error_message = "worker_architecture must be ARM64 or X86_64."
  }
}

variable "worker_cpu" {
  type        = number
  description = "Fargate CPU units per worker task."
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.worker_cpu)
    error_message = "worker_cpu must be one of 256, 512, 1024, 2048, 4096."
  }
}

variable "worker_memory" {
  type        = number
  description = "Fargate memory (MiB) per worker task; must be a size Fargate allows for worker_cpu. The worker reads raw email within (this - 160) / 8 MiB at once (44 MiB at 512: one 40 MB email at a time)."
  default     = 512

  validation {
    condition     = var.worker_memory >= 512 && var.worker_memory <= 30720
    error_message = "worker_memory must be between 512 and 30720 MiB."
  }
}

variable "worker_mode" {
  type        = string
  description = "How the worker runs: \"fargate\" (an ECS service, worker.tf: the long-running reference; idles at worker_min_count tasks) or \"lambda\" (worker_lambda.tf: SQS-triggered, no VPC, nothing billed while idle; the infra README's cost table says when to choose which)."
  default     = "fargate"

  validation {
    condition     = contains(["fargate", "lambda"], var.worker_mode)
    error_message = "worker_mode must be \"fargate\" or \"lambda\"."
  }
}

variable "worker_lambda_package" {
  type        = string
  description = "worker_mode = lambda: path of the worker's Lambda zip, built by `make worker-package`; null means build/worker-lambda.zip at the repository root."
  default     = null
}

variable "worker_lambda_memory_mb" {
  type        = number
  description = "worker_mode = lambda: the function's memory (MB; CPU grows with it). The worker reads raw email within (this - 160) / 8 MiB at once."
  default     = 1024

  validation {
    condition     = var.worker_lambda_memory_mb >= 512 && var.worker_lambda_memory_mb <= 10240
    error_message = "worker_lambda_memory_mb must be between 512 and 10240."
  }
}

variable "worker_lambda_timeout_seconds" {
  type        = number
  description = "worker_mode = lambda: the longest one batch may run; at most visibility_timeout_seconds (AWS advises the queue's visibility at six times this)."
  default     = 60

  validation {
    condition     = var.worker_lambda_timeout_seconds >= 10 && var.worker_lambda_timeout_seconds <= 900
    error_message = "worker_lambda_timeout_seconds must be between 10 and 900."
  }
}

variable "worker_lambda_batch_size" {
  type        = number
  description = "worker_mode = lambda: messages per invocation (worked on worker_threads threads; each settled on its own)."
  default     = 5

  validation {
    condition     = var.worker_lambda_batch_size >= 1 && var.worker_lambda_batch_size <= 10
    error_message = "worker_lambda_batch_size must be between 1 and 10."
  }
}

variable "worker_lambda_reserved_concurrency" {
  type        = number
  description = "worker_mode = lambda: concurrent invocations reserved for (and the most allowed to) the worker; null leaves it unreserved. Like worker_max_count, it bounds the load on the calendar and SCC."
  default     = null

  validation {
    condition     = var.worker_lambda_reserved_concurrency == null || try(var.worker_lambda_reserved_concurrency >= 1 && var.worker_lambda_reserved_concurrency <= 1000, false)
    error_message = "worker_lambda_reserved_concurrency must be null or between 1 and 1000 (0 would stop the worker: disable the event source mapping instead)."
  }
}

variable "worker_min_count" {
  type        = number
  description = "Fewest worker tasks; 0 lets the service scale to zero when the queue is empty (mail then waits up to a few minutes)."
  default     = 0

  validation {
    condition     = var.worker_min_count >= 0 && var.worker_min_count <= 50
    error_message = "worker_min_count must be between 0 and 50."
  }
}

variable "worker_max_count" {
  type        = number
  description = "Most worker tasks under a backlog."
  default     = 4

  validation {
    condition     = var.worker_max_count >= 1 && var.worker_max_count <= 50
    error_message = "worker_max_count must be between 1 and 50."
  }
}

variable "scale_in_idle_minutes" {
  type        = number
  description = "Minutes the queue must be empty (nothing visible or in flight) before the service scales to worker_min_count."
  default     = 15

  validation {
    condition     = var.scale_in_idle_minutes >= 1 && var.scale_in_idle_minutes <= 1440
    error_message = "scale_in_idle_minutes must be between 1 and 1440."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC the worker tasks run in (worker_mode = fargate; the Lambda runs in none)."
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the worker tasks: private subnets with a NAT gateway, or public ones with worker_assign_public_ip = true (worker_mode = fargate; none for the Lambda)."
  default     = []

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must hold at least one subnet id (subnet-...)."
  }
}

variable "worker_assign_public_ip" {
  type        = bool
  description = "Give worker tasks a public IP (needed in public subnets without NAT, e.g. the default VPC). Inbound traffic stays closed either way."
  default     = false
}

variable "ecr_keep_images" {
  type        = number
  description = "Worker images kept in ECR; older ones expire."
  default     = 20

  validation {
    condition     = var.ecr_keep_images >= 1 && var.ecr_keep_images <= 1000
    error_message = "ecr_keep_images must be between 1 and 1000."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days the worker's and the links API's logs are kept."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs supports (e.g. 30, 90, 365)."
  }
}

# --- the worker's own settings (app/settings.py; each becomes a CHARTERHAND_* variable) ----

variable "worker_threads" {
  type        = number
  description = "Threads per worker process."
  default     = 4

  validation {
    condition     = var.worker_threads >= 1 && var.worker_threads <= 64
    error_message = "worker_threads must be between 1 and 64."
  }
}

variable "lease_seconds" {
  type        = number
  description = "How long a worker holds a booking's lease (renewed while its steps run); must be below visibility_timeout_seconds."
  default     = 90

  validation {
    condition     = var.lease_seconds >= 5 && var.lease_seconds <= 3600
    error_message = "lease_seconds must be between 5 and 3600."
  }
}

variable "shutdown_deadline_seconds" {
  type        = number
  description = "Seconds the worker has after SIGTERM to finish or release in-flight messages (ECS waits 120 s before SIGKILL)."
  default     = 25

  validation {
    condition     = var.shutdown_deadline_seconds >= 1 && var.shutdown_deadline_seconds <= 110
    error_message = "shutdown_deadline_seconds must be between 1 and 110."
  }
}

variable "poll_wait_seconds" {
  type        = number
  description = "SQS long-poll wait of each receive the worker makes."
  default     = 20

  validation {
    condition     = var.poll_wait_seconds >= 0 && var.poll_wait_seconds <= 20
    error_message = "poll_wait_seconds must be between 0 and 20."
  }
}

variable "retry_base_seconds" {
  type        = number
  description = "Delay before a message that hit a transient fault is retried; doubles on each receive."
  default     = 10

  validation {
    condition     = var.retry_base_seconds >= 0 && var.retry_base_seconds <= 43200
    error_message = "retry_base_seconds must be between 0 and 43200."
  }
}

variable "retry_max_seconds" {
  type        = number
  description = "Longest retry delay (SQS allows 12 h of visibility)."
  default     = 900

  validation {
    condition     = var.retry_max_seconds >= 0 && var.retry_max_seconds <= 43200
    error_message = "retry_max_seconds must be between 0 and 43200."
  }
}

variable "dlq_limit_count" {
  type        = number
  description = "Admitted emails dead-lettered in a row for one reason class (within dlq_limit_window_seconds), counted by all workers together in the state table, after which every worker stops taking messages until `charterhand intake resume`, and the intake-stopped alarm fires; 0 turns the limit off."
  default     = 20

  validation {
    condition     = var.dlq_limit_count >= 0 && var.dlq_limit_count <= 10000
    error_message = "dlq_limit_count must be between 0 and 10000."
  }
}

variable "dlq_limit_window_seconds" {
  type        = number
  description = "The window the dlq_limit_count dead letters must fall within."
  default     = 300

  validation {
    condition     = var.dlq_limit_window_seconds >= 1 && var.dlq_limit_window_seconds <= 86400
    error_message = "dlq_limit_window_seconds must be between 1 and 86400."
  }
}

variable "secrets_ttl_seconds" {
  type        = number
  description = "How long the worker caches a secret read from Secrets Manager (a rotated value is picked up after this)."
  default     = 300

  validation {
    condition     = var.secrets_ttl_seconds >= 0 && var.secrets_ttl_seconds <= 86400
    error_message = "secrets_ttl_seconds must be between 0 and 86400."
  }
}

variable "http_timeout_seconds" {
  type        = number
  description = "Timeout of each call to the calendar and SCC."
  default     = 10

  validation {
    condition     = var.http_timeout_seconds > 0 && var.http_timeout_seconds <= 60
    error_message = "http_timeout_seconds must be above 0 and at most 60."
  }
}

variable "audit_repair" {
  type        = bool
  description = "Whether the audit publishes a calendar entry, SCC event or page deleted or edited by hand again (once); false: it only reports it."
  default     = true
}

variable "log_level" {
  type        = string
  description = "Log level of the worker and the links API."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "forwarder_allowlist" {
  type        = list(string)
  description = "Mailboxes allowed to forward booking mail in (the owners' addresses)."
  default     = []

  validation {
    condition     = alltrue([for a in var.forwarder_allowlist : can(regex("^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$", a))])
    error_message = "forwarder_allowlist must hold email addresses."
  }
}

variable "require_authenticated_sender" {
  type        = bool
  description = "Admit mail only when SES proved its own From domain (DMARC pass, or an aligned DKIM signature, in SES's Authentication-Results); bare SPF/DKIM passes never count."
  default     = true
}

variable "require_verified_original" {
  type        = bool
  description = "Ignore booking emails not proven the platform's (aligned DKIM/DMARC of direct mail, or the attached original's own DKIM signature): refuses inline and unproven forwards."
  default     = false
}

# --- the optional steps: each on by default; off, it needs none of its settings (app/steps.py) ---

variable "calendar_enabled" {
  type        = bool
  description = "Run the calendar step (one JADA calendar entry per booking). false: the worker never calls the calendar, and no dashboard token secret is created."
  default     = true
}

variable "scc_enabled" {
  type        = bool
  description = "Run the scc step (one ShipCaptainCrew event per booking). false: the worker never calls SCC, scc_base_url is not needed, and no SCC key secret is created."
  default     = true
}

variable "crew_email_enabled" {
  type        = bool
  description = "Run the crew_email step (each assigned member's email with their confirm / decline links). false: crew get no email from charterhand."
  default     = true
}

variable "summary_enabled" {
  type        = bool
  description = "Run the summary step (the booking manager's email or webhook for each booking state, with the margin). false: the manager gets none."
  default     = true
}

variable "calendar_transport" {
  type        = string
  description = "How the worker reaches the JADA calendar: http (API Gateway URL + dashboard token) or lambda (direct invoke, IAM auth)."
  default     = "http"

  validation {
    condition     = contains(["http", "lambda"], var.calendar_transport)
    error_message = "calendar_transport must be http or lambda."
  }
}

variable "calendar_base_url" {
  type        = string
  description = "The dashboard's API Gateway URL (calendar_transport = http). Call it directly: CloudFront in front of it strips custom headers."
  default     = null

  validation {
    condition     = var.calendar_base_url == null || can(regex("^https://", var.calendar_base_url))
    error_message = "calendar_base_url must be an https URL."
  }
}

variable "calendar_function_name" {
  type        = string
  description = "The dashboard Lambda's name in this account and region (calendar_transport = lambda)."
  default     = null

  validation {
    condition     = var.calendar_function_name == null || can(regex("^[A-Za-z0-9_-]{1,64}$", var.calendar_function_name))
    error_message = "calendar_function_name must be a Lambda function name."
  }
}

variable "scc_base_url" {
  type        = string
  description = "ShipCaptainCrew's API base URL (needed while scc_enabled)."
  default     = null

  validation {
    condition     = var.scc_base_url == null || can(regex("^https://", var.scc_base_url))
    error_message = "scc_base_url must be an https URL."
  }
}

variable "summary_webhook_url" {
  type        = string
  description = "The booking manager's Apps Script webhook; when set, summaries are POSTed there instead of emailed."
  default     = null

  validation {
    condition     = var.summary_webhook_url == null || can(regex("^https://", var.summary_webhook_url))
    error_message = "summary_webhook_url must be an https URL."
  }
}

variable "crew_reminder_hours" {
  type        = number
  description = "Hours before a charter when crew who have not answered get one reminder and the manager the list of who is silent (worker setting crew_reminder_hours)."
  default     = 48

  validation {
    condition     = var.crew_reminder_hours >= 1 && var.crew_reminder_hours <= 336 && floor(var.crew_reminder_hours) == var.crew_reminder_hours
    error_message = "crew_reminder_hours must be a whole number of hours from 1 to 336."
  }
}

variable "guest_message" {
  type        = string
  description = "The message the manager's summary carries for the guest, to paste into the platform's chat: {first_name}, {boat}, {day}, {weekday} and {link} are filled in. Null: the worker's default."
  default     = null

  validation {
    condition     = var.guest_message == null || can(regex("[{]link[}]", coalesce(var.guest_message, "-")))
    error_message = "guest_message must carry {link}, the guest page's link."
  }
}

variable "fleet" {
  type = object({
    boats = list(object({
      name                = string
      listing_names       = optional(list(string))
      timezone            = optional(string)
      meeting_point       = optional(string)
      map_url             = optional(string)
      captain             = optional(string)
      crew                = optional(list(string))
      call_minutes_before = optional(number)
      checklist           = optional(list(string))
      what_to_bring       = optional(list(string))
      photo_url           = optional(string)
      day_phone           = optional(string)
      whatsapp            = optional(string)
    }))
    people = optional(list(object({
      id          = string
      name        = string
      email       = optional(string)
      phone       = optional(string)
      role        = optional(string)
      hourly_rate = optional(string)
      scc_id      = optional(string)
    })), [])
  })
  description = "Boats and crew (bookings.Fleet): reaches the worker as CHARTERHAND_FLEET (JSON); unset attributes take the worker's defaults. Rates are decimal strings."

  validation {
    condition     = length(var.fleet.boats) >= 1
    error_message = "fleet must have at least one boat."
  }

  validation {
    condition     = alltrue([for p in var.fleet.people : p.role == null || contains(["captain", "crew"], coalesce(p.role, "crew"))])
    error_message = "fleet.people[*].role must be captain or crew."
  }
}

variable "margin" {
  type = object({
    crew_hourly       = optional(string)
    crew_extra_hours  = optional(string)
    captain_hourly    = optional(string)
    platform_fee_rate = optional(string)
  })
  description = "The margin policy (bookings.MarginPolicy) as decimal strings: reaches the worker as CHARTERHAND_MARGIN (JSON); unset ones take DESIGN.md's defaults ($50/h crew + 2 h, $50/h captain, 18 % fee)."
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.margin) : v == null || can(regex("^[0-9]+(\\.[0-9]+)?$", v))])
    error_message = "margin values must be non-negative decimal strings such as \"50\" or \"0.18\"."
  }
}

variable "parsing_vocabulary" {
  type = object({
    labels       = optional(map(list(string)), {})
    kinds        = optional(map(list(string)), {})
    not_bookings = optional(map(list(string)), {})
  })
  description = "Words taught to the parser without a code change (parsers.vocabulary.Vocabulary), on top of its own: labels = field -> extra label words, kinds = request/confirmed/modified/cancelled -> extra phrases that announce it, not_bookings = rule name -> extra phrases of platform mail that is not a booking. Reaches the worker as CHARTERHAND_PARSING (JSON); after an apply, replay the dead letters (charterhand dlq replay --reason ...)."
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for field in keys(var.parsing_vocabulary.labels) : contains(["booking_id", "boat", "renter", "party_size", "date", "time", "start", "end", "duration", "gross", "notes", "meeting_point"], field)])
    error_message = "parsing_vocabulary.labels keys must be fields the parser reads: booking_id, boat, renter, party_size, date, time, start, end, duration, gross, notes, meeting_point."
  }

  validation {
    condition     = alltrue([for kind in keys(var.parsing_vocabulary.kinds) : contains(["request", "confirmed", "modified", "cancelled"], kind)])
    error_message = "parsing_vocabulary.kinds keys must be request, confirmed, modified or cancelled."
  }

  # A blank word would be an empty phrase, which is found in every subject.
  validation {
    condition = alltrue(flatten([
      for words in concat(values(var.parsing_vocabulary.labels), values(var.parsing_vocabulary.kinds), values(var.parsing_vocabulary.not_bookings)) :
      [for word in words : trimspace(word) != ""]
    ]))
    error_message = "parsing_vocabulary words and phrases must not be blank."
  }

  validation {
    condition     = alltrue([for rule in keys(var.parsing_vocabulary.not_bookings) : trimspace(rule) != ""])
    error_message = "parsing_vocabulary.not_bookings rule names must not be blank (a not-a-booking is ignored under its rule's name)."
  }
}

# --- the links API's own settings (api/config.py) ----------------------------------------------

variable "photo_max_bytes" {
  type        = number
  description = "Largest photo a guest may upload (bytes); enforced by the presigned POST's policy."
  default     = 20971520

  validation {
    condition     = var.photo_max_bytes >= 1024 && var.photo_max_bytes <= 5368709120
    error_message = "photo_max_bytes must be between 1024 and 5368709120 (5 GiB, S3's single-upload limit)."
  }
}

variable "photo_uploads_per_hour" {
  type        = number
  description = "Presigned uploads the links API grants per booking per clock hour."
  default     = 60

  validation {
    condition     = var.photo_uploads_per_hour >= 1 && var.photo_uploads_per_hour <= 10000
    error_message = "photo_uploads_per_hour must be between 1 and 10000."
  }
}

variable "photo_upload_days_after" {
  type        = number
  description = "Days after the charter that guests may still upload photos."
  default     = 30

  validation {
    condition     = var.photo_upload_days_after >= 0 && var.photo_upload_days_after <= 3650
    error_message = "photo_upload_days_after must be between 0 and 3650."
  }
}

# --- monitoring (monitoring.tf) ----------------------------------------------------------------

variable "dashboard_period_seconds" {
  type        = number
  description = "Period of the dashboard's worker charts and of the step-failure alarms."
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.dashboard_period_seconds)
    error_message = "dashboard_period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "step_failure_rate_alarm_threshold" {
  type        = number
  description = "Alarm when more than this share of a step's runs fail (StepFailures Average) in step_failure_alarm_periods periods."
  default     = 0.5

  validation {
    condition     = var.step_failure_rate_alarm_threshold > 0 && var.step_failure_rate_alarm_threshold < 1
    error_message = "step_failure_rate_alarm_threshold must be a share between 0 and 1."
  }
}

variable "step_failure_alarm_periods" {
  type        = number
  description = "Periods (of dashboard_period_seconds) a step must be failing, out of one more, before its alarm fires."
  default     = 2

  validation {
    condition     = var.step_failure_alarm_periods >= 1 && var.step_failure_alarm_periods <= 12 && floor(var.step_failure_alarm_periods) == var.step_failure_alarm_periods
    error_message = "step_failure_alarm_periods must be a whole number from 1 to 12."
  }
}
