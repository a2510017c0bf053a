import type { TaskFailureCode } from '@reelcraft/shared';

/**
 * Chinese text of every task failure code (libs/shared TASK_FAILURE_CODES): why a render or a
 * plan failed. Spread into zh.ts; the `satisfies` below fails type checking when a code has no
 * message (en gets the same keys through the Messages type).
 */
export const taskFailureMessagesZh = {
  failure_render_failed: '渲染出错，服务器日志里有详细原因',
  failure_cancelled: '已取消',
  failure_plan_failed: '无法根据这个想法规划分镜',
  failure_content_blocked: '分镜中有内容未通过内容审核',
  failure_review_rejected: '管理员审核后拒绝了这个想法',
  failure_model_missing: '视频模型缺失或无法加载：请管理员检查 models/diffusion 后重新扫描',
  failure_model_failed: '视频模型在绘制时出错（模型或其导出文件可能已损坏）',
  failure_out_of_memory: '渲染进程内存不足',
  failure_worker_crashed: '渲染进程意外退出（已在新进程上重试过一次）',
  failure_clip_lost: '渲染节点的片段没有完整送达服务器',
  failure_ffmpeg_failed: '视频编码工具（ffmpeg）处理片段时出错',
  failure_disk_full: '服务器磁盘空间已满',
  failure_font_missing: '服务器上没有字幕所需的中文字体',
  failure_music_unusable: '所选音乐没有可用的音频',
  // The disclosure with the server's English words (not "详情": the render banner's link already says that).
  failure_details: '服务器原文',
} as const satisfies Record<`failure_${TaskFailureCode}`, string> & Record<string, string>;
